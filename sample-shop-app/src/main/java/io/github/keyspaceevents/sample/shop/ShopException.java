package io.github.keyspaceevents.sample.shop;

import java.util.Map;

import org.springframework.http.HttpStatus;

/**
 * A request the shop refuses, with the HTTP status and the problem-detail properties that name what is at fault.
 */
class ShopException extends RuntimeException {

	private final HttpStatus status;

	private final String title;

	private final Map<String, Object> properties;

	ShopException(HttpStatus status, String title, String detail, Map<String, Object> properties) {
		super(detail);
		this.status = status;
		this.title = title;
		this.properties = properties;
	}

	static ShopException invalid(String field, String detail) {
		return new ShopException(HttpStatus.BAD_REQUEST, "Invalid order", detail, Map.of("field", field));
	}

	static ShopException unknownProduct(String sku) {
		return new ShopException(HttpStatus.NOT_FOUND, "Unknown product", "No product with SKU '" + sku + "'",
				Map.of("sku", sku));
	}

	static ShopException unknownOrder(String id) {
		return new ShopException(HttpStatus.NOT_FOUND, "Unknown order", "No order with id '" + id + "'",
				Map.of("orderId", id));
	}

	static ShopException insufficientStock(String sku, int requested, int available) {
		return new ShopException(HttpStatus.CONFLICT, "Not enough stock",
				"Only %d of '%s' left, %d requested".formatted(available, sku, requested),
				Map.of("sku", sku, "requested", requested, "available", available));
	}

	static ShopException notPayable(String id, OrderStatus status) {
		return new ShopException(HttpStatus.CONFLICT, "Order not payable",
				"Order '%s' is %s and can no longer be paid".formatted(id, status),
				Map.of("orderId", id, "orderStatus", status.name()));
	}

	HttpStatus status() {
		return this.status;
	}

	String title() {
		return this.title;
	}

	Map<String, Object> properties() {
		return this.properties;
	}

}
