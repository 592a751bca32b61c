package io.github.keyspaceevents.sample.shop;

/**
 * Where an order is in its life.
 */
public enum OrderStatus {

	/** Placed, stock taken, waiting for payment until its deadline. */
	PENDING_PAYMENT,

	/** Paid in time. */
	PAID,

	/** Not paid in time; its stock went back. */
	CANCELLED

}
