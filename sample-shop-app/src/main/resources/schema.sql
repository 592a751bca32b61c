create table if not exists product (
	sku varchar(64) primary key,
	name varchar(200) not null,
	price decimal(10, 2) not null,
	stock int not null check (stock >= 0),
	sales int not null check (sales >= 0)
);

create table if not exists customer_order (
	id varchar(36) primary key,
	status varchar(20) not null,
	expires_at_ms bigint not null
);

-- Newest first on the page and in GET /api/orders; added to databases made before it existed.
alter table customer_order add column if not exists placed_at_ms bigint default 0 not null;

create index if not exists customer_order_status_expiry on customer_order (status, expires_at_ms);

create table if not exists order_line (
	order_id varchar(36) not null references customer_order (id),
	sku varchar(64) not null references product (sku),
	quantity int not null check (quantity > 0),
	price decimal(10, 2) not null,
	primary key (order_id, sku)
);
