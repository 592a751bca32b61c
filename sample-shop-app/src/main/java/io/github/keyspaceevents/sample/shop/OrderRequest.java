package io.github.keyspaceevents.sample.shop;

import java.math.BigDecimal;
import java.util.List;

/**
 * The body of {@code POST /api/orders}.
 *
 * @param items what to buy
 */
public record OrderRequest(List<Item> items) {

	/**
	 * One product and how many.
	 *
	 * @param sku the product
	 * @param quantity units, a whole number from 1 to {@value OrderService#MAX_QUANTITY}; read as a decimal so that
	 * {@code 1.5} is refused rather than silently cut to 1
	 */
	public record Item(String sku, BigDecimal quantity) {
	}

}
