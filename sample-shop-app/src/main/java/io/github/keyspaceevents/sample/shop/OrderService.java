package io.github.keyspaceevents.sample.shop;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import io.github.keyspaceevents.TrackedExpirations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Places, pays and cancels orders. The database is the source of truth; the Redis key {@code order:<id>} only carries
 * the payment deadline. It is written as a tracked expiration, so its expiry reaches exactly one shop instance, at the
 * deadline, even if the shop was down or disconnected when it came due.
 */
@Service
class OrderService {

	static final int MAX_QUANTITY = 100;

	static final String KEY_PREFIX = "order:";

	private static final Logger logger = LoggerFactory.getLogger(OrderService.class);

	private final Catalog catalog;

	private final OrderBook orders;

	private final TrackedExpirations paymentWindows;

	private final ShopProperties properties;

	private final ShopEvents events;

	OrderService(Catalog catalog, OrderBook orders, TrackedExpirations paymentWindows, ShopProperties properties,
			ShopEvents events) {
		this.catalog = catalog;
		this.orders = orders;
		this.paymentWindows = paymentWindows;
		this.properties = properties;
		this.events = events;
	}

	/**
	 * Validate, take the stock and store the order in one transaction; after commit, start its payment window in
	 * Redis. Anything rejected rolls back, so a refused request changes nothing.
	 */
	@Transactional
	public Order place(OrderRequest request) {
		Map<String, Integer> quantities = validate(request);
		List<Order.Line> lines = new ArrayList<>();
		// Sorted by SKU so that concurrent orders lock product rows in the same order.
		quantities.forEach((sku, quantity) -> {
			Product product = this.catalog.find(sku).orElseThrow(() -> ShopException.unknownProduct(sku));
			if (!this.catalog.take(sku, quantity)) {
				int available = this.catalog.find(sku).map(Product::stock).orElse(0);
				throw ShopException.insufficientStock(sku, quantity, available);
			}
			lines.add(new Order.Line(sku, quantity, product.price()));
		});
		Instant expiresAt = Instant.now().plus(this.properties.paymentWindow());
		Order order = new Order(UUID.randomUUID().toString(), OrderStatus.PENDING_PAYMENT, expiresAt, lines);
		this.orders.insert(order);
		afterCommit(() -> {
			startPaymentWindow(order);
			this.events.publish("order-placed", order.id());
		});
		return order;
	}

	/**
	 * Pay an order that is still within its window.
	 * @throws ShopException 404 for an unknown order, 409 if it is paid, cancelled or past its deadline
	 */
	@Transactional
	public Order pay(String id) {
		if (!this.orders.markPaid(id, Instant.now())) {
			Order order = this.orders.find(id).orElseThrow(() -> ShopException.unknownOrder(id));
			throw ShopException.notPayable(id, order.status());
		}
		afterCommit(() -> {
			this.paymentWindows.cancel(KEY_PREFIX + id);
			this.events.publish("order-paid", id);
		});
		return this.orders.find(id).orElseThrow();
	}

	/**
	 * Cancel an order if it is still unpaid, and only then give its stock back, in one transaction. A duplicate
	 * call, a second instance or a payment that won the race leaves everything unchanged.
	 * @return whether this call cancelled the order
	 */
	@Transactional
	public boolean cancelIfUnpaid(String id) {
		if (!this.orders.markCancelled(id)) {
			return false;
		}
		for (Order.Line line : this.orders.lines(id)) {
			this.catalog.giveBack(line.sku(), line.quantity());
		}
		afterCommit(() -> this.events.publish("order-cancelled", id));
		logger.info("Order {} was not paid in time: cancelled, stock returned", id);
		return true;
	}

	public Order find(String id) {
		return this.orders.find(id).orElseThrow(() -> ShopException.unknownOrder(id));
	}

	public List<Order> latest() {
		return this.orders.latest(20);
	}

	List<String> overdue() {
		return this.orders.overdue(Instant.now());
	}

	private void startPaymentWindow(Order order) {
		try {
			this.paymentWindows.expireAt(KEY_PREFIX + order.id(), order.id(), order.expiresAt());
		}
		catch (RuntimeException ex) {
			// The order is stored; the overdue sweep cancels it at its deadline even without the key.
			logger.warn("Could not start the payment window of order {} in Redis: {}", order.id(), ex.getMessage());
		}
	}

	private static Map<String, Integer> validate(OrderRequest request) {
		if (request == null || request.items() == null || request.items().isEmpty()) {
			throw ShopException.invalid("items", "items must list at least one product");
		}
		Map<String, Integer> quantities = new TreeMap<>();
		for (int i = 0; i < request.items().size(); i++) {
			OrderRequest.Item item = request.items().get(i);
			String field = "items[" + i + "]";
			if (item == null) {
				throw ShopException.invalid(field, field + " must not be null");
			}
			if (item.sku() == null || item.sku().isBlank()) {
				throw ShopException.invalid(field + ".sku", field + ".sku is required");
			}
			BigDecimal quantity = item.quantity();
			if (quantity == null || quantity.stripTrailingZeros().scale() > 0 || quantity.compareTo(BigDecimal.ONE) < 0
					|| quantity.compareTo(BigDecimal.valueOf(MAX_QUANTITY)) > 0) {
				throw ShopException.invalid(field + ".quantity", "%s.quantity must be a whole number from 1 to %d, was %s"
					.formatted(field, MAX_QUANTITY, (quantity != null) ? quantity.toPlainString() : null));
			}
			quantities.merge(item.sku(), quantity.intValueExact(), Integer::sum);
		}
		return quantities;
	}

	private static void afterCommit(Runnable action) {
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
			@Override
			public void afterCommit() {
				action.run();
			}
		});
	}

}
