/**
 * A small shop: products with stock and sales, orders with a payment window, and unpaid orders cancelled when their
 * Redis key expires.
 */
package io.github.keyspaceevents.sample.shop;
