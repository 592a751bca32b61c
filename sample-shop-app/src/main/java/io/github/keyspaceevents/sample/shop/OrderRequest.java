package io.github.keyspaceevents.sample.shop;

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
	 * @param quantity units, 1 to {@value OrderService#MAX_QUANTITY}
	 */
	public record Item(String sku, Integer quantity) {
	}

}
