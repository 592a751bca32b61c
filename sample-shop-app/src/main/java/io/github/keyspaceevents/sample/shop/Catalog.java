package io.github.keyspaceevents.sample.shop;

import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Products, their stock and their sales. Stock changes are conditional updates, so concurrent buyers can never take
 * a product below zero.
 */
@Repository
class Catalog {

	private final JdbcClient jdbc;

	Catalog(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	List<Product> findAll() {
		return this.jdbc.sql("select sku, name, price, stock, sales from product order by sku")
			.query(Product.class)
			.list();
	}

	Optional<Product> find(String sku) {
		return this.jdbc.sql("select sku, name, price, stock, sales from product where sku = ?")
			.param(sku)
			.query(Product.class)
			.optional();
	}

	/**
	 * Take units from stock and count them as sold, only if enough are left.
	 * @return whether the stock was taken
	 */
	boolean take(String sku, int quantity) {
		return this.jdbc
			.sql("update product set stock = stock - :quantity, sales = sales + :quantity "
					+ "where sku = :sku and stock >= :quantity")
			.param("quantity", quantity)
			.param("sku", sku)
			.update() == 1;
	}

	/** Put units back into stock and take them off sales. */
	void giveBack(String sku, int quantity) {
		this.jdbc.sql("update product set stock = stock + :quantity, sales = sales - :quantity where sku = :sku")
			.param("quantity", quantity)
			.param("sku", sku)
			.update();
	}

	void addIfMissing(Product product) {
		if (find(product.sku()).isEmpty()) {
			this.jdbc.sql("insert into product (sku, name, price, stock, sales) values (?, ?, ?, ?, ?)")
				.params(product.sku(), product.name(), product.price(), product.stock(), product.sales())
				.update();
		}
	}

}
