package io.github.keyspaceevents.sample.shop;

import java.math.BigDecimal;

/**
 * A product, with what is left in stock and how many were sold.
 *
 * @param sku stock-keeping unit
 * @param name display name
 * @param price unit price
 * @param stock units left
 * @param sales units sold (in paid or pending orders)
 */
public record Product(String sku, String name, BigDecimal price, int stock, int sales) {
}
