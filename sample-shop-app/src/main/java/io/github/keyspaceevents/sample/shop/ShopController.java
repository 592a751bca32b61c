package io.github.keyspaceevents.sample.shop;

import java.net.URI;
import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The shop's HTTP API.
 */
@RestController
@RequestMapping("/api")
class ShopController {

	private final Catalog catalog;

	private final OrderService orders;

	private final ShopEvents events;

	ShopController(Catalog catalog, OrderService orders, ShopEvents events) {
		this.catalog = catalog;
		this.orders = orders;
		this.events = events;
	}

	@GetMapping("/products")
	List<Product> products() {
		return this.catalog.findAll();
	}

	@PostMapping("/orders")
	ResponseEntity<Order> place(@RequestBody OrderRequest request) {
		Order order = this.orders.place(request);
		return ResponseEntity.created(URI.create("/api/orders/" + order.id())).body(order);
	}

	@GetMapping("/orders")
	List<Order> latestOrders() {
		return this.orders.latest();
	}

	@GetMapping("/orders/{id}")
	Order order(@PathVariable String id) {
		return this.orders.find(id);
	}

	@PostMapping("/orders/{id}/payment")
	@ResponseStatus(HttpStatus.OK)
	Order pay(@PathVariable String id) {
		return this.orders.pay(id);
	}

	@GetMapping("/events")
	SseEmitter events() {
		return this.events.subscribe();
	}

}
