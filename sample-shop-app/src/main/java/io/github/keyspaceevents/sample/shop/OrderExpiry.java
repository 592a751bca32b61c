package io.github.keyspaceevents.sample.shop;

import java.util.UUID;

import io.github.keyspaceevents.annotation.KeyVariable;
import io.github.keyspaceevents.annotation.OnKeyExpired;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Cancels unpaid orders when their tracked payment-window key expires. As a last backstop (the ledger could not be
 * written at all when the order was placed), it also sweeps overdue orders from the database at startup and
 * periodically.
 */
@Component
class OrderExpiry {

	private static final Logger logger = LoggerFactory.getLogger(OrderExpiry.class);

	private final OrderService orders;

	OrderExpiry(OrderService orders) {
		this.orders = orders;
	}

	@OnKeyExpired(OrderService.KEY_PREFIX + "{id}")
	void paymentWindowClosed(@KeyVariable("id") UUID id) {
		this.orders.cancelIfUnpaid(id.toString());
	}

	// Runs once at startup (initial delay 0), then at the sweep interval.
	@Scheduled(fixedDelayString = "${shop.sweep-interval:30s}")
	void cancelOverdueOrders() {
		int cancelled = 0;
		for (String id : this.orders.overdue()) {
			if (this.orders.cancelIfUnpaid(id)) {
				cancelled++;
			}
		}
		if (cancelled > 0) {
			logger.info("Cancelled {} overdue order(s) that no expiry reported", cancelled);
		}
	}

}
