package io.github.keyspaceevents.sample.shop;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Orders and their lines. Status changes are conditional on the current status, so of a payment and a cancellation
 * racing for the same order exactly one wins.
 */
@Repository
class OrderBook {

	private final JdbcClient jdbc;

	private final AtomicLong lastPlacedAt = new AtomicLong();

	OrderBook(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	// Strictly increasing, so that orders placed within one millisecond still list newest first.
	private long placedAt() {
		long now = System.currentTimeMillis();
		return this.lastPlacedAt.accumulateAndGet(now, (last, candidate) -> Math.max(last + 1, candidate));
	}

	void insert(Order order) {
		this.jdbc.sql("insert into customer_order (id, status, expires_at_ms, placed_at_ms) values (?, ?, ?, ?)")
			.params(order.id(), order.status().name(), order.expiresAt().toEpochMilli(), placedAt())
			.update();
		for (Order.Line line : order.items()) {
			this.jdbc.sql("insert into order_line (order_id, sku, quantity, price) values (?, ?, ?, ?)")
				.params(order.id(), line.sku(), line.quantity(), line.price())
				.update();
		}
	}

	Optional<Order> find(String id) {
		return this.jdbc.sql("select id, status, expires_at_ms from customer_order where id = ?")
			.param(id)
			.query((rs, row) -> new Order(rs.getString("id"), OrderStatus.valueOf(rs.getString("status")),
					Instant.ofEpochMilli(rs.getLong("expires_at_ms")), lines(id)))
			.optional();
	}

	List<Order> latest(int limit) {
		List<String> ids = this.jdbc
			.sql("select id from customer_order order by placed_at_ms desc, id fetch first " + limit + " rows only")
			.query(String.class)
			.list();
		return ids.stream().map(this::find).flatMap(Optional::stream).toList();
	}

	List<Order.Line> lines(String orderId) {
		return this.jdbc.sql("select sku, quantity, price from order_line where order_id = ? order by sku")
			.param(orderId)
			.query(Order.Line.class)
			.list();
	}

	/** @return whether this call moved the order from PENDING_PAYMENT to PAID (only before its deadline) */
	boolean markPaid(String id, Instant now) {
		return this.jdbc
			.sql("update customer_order set status = 'PAID' where id = ? and status = 'PENDING_PAYMENT' "
					+ "and expires_at_ms > ?")
			.params(id, now.toEpochMilli())
			.update() == 1;
	}

	/** @return whether this call moved the order from PENDING_PAYMENT to CANCELLED */
	boolean markCancelled(String id) {
		return this.jdbc
			.sql("update customer_order set status = 'CANCELLED' where id = ? and status = 'PENDING_PAYMENT'")
			.param(id)
			.update() == 1;
	}

	List<String> overdue(Instant now) {
		return this.jdbc
			.sql("select id from customer_order where status = 'PENDING_PAYMENT' and expires_at_ms <= ? order by id")
			.param(now.toEpochMilli())
			.query(String.class)
			.list();
	}

}
