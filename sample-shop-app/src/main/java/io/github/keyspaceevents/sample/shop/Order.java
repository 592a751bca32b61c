package io.github.keyspaceevents.sample.shop;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * An order and its lines.
 *
 * @param id order id
 * @param status current status
 * @param expiresAt end of the payment window
 * @param items the lines
 */
public record Order(String id, OrderStatus status, Instant expiresAt, List<Line> items) {

	/**
	 * One line of an order.
	 *
	 * @param sku the product
	 * @param quantity units ordered
	 * @param price unit price when ordered
	 */
	public record Line(String sku, int quantity, BigDecimal price) {
	}

}
