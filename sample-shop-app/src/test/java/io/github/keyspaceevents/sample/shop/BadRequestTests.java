package io.github.keyspaceevents.sample.shop;

import java.util.List;
import java.util.Map;

import io.github.keyspaceevents.launcher.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every refused request gets its status and an RFC 9457 problem naming what is at fault, and changes nothing.
 */
class BadRequestTests {

	private static RedisServerProcess redis;

	private static ShopInstance shop;

	@BeforeAll
	static void start() {
		redis = RedisServerProcess.start();
		shop = ShopInstance.start(redis, "badRequests", "10m");
		shop.addProduct("B-1", 2);
		shop.addProduct("N-1", 10);
	}

	@AfterAll
	static void stop() {
		shop.close();
		redis.close();
	}

	@ParameterizedTest(name = "{0} -> {1} {2}")
	@CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
			{"items":[{"sku":"NOPE","quantity":1}]}                    | 404 | sku      | NOPE
			{"items":[{"sku":"B-1","quantity":0}]}                     | 400 | field    | items[0].quantity
			{"items":[{"sku":"B-1","quantity":101}]}                   | 400 | field    | items[0].quantity
			{"items":[{"sku":"B-1","quantity":1},{"sku":"B-1"}]}       | 400 | field    | items[1].quantity
			{"items":[{"quantity":1}]}                                 | 400 | field    | items[0].sku
			{"items":[]}                                               | 400 | field    | items
			{}                                                         | 400 | field    | items
			{"items":[{"sku":"B-1","quantity":"two"}]}                 | 400 | field    | items[0].quantity
			{"items":[{"sku":"B-1","quantity":1.5}]}                   | 400 | field    | items[0].quantity
			{"items":[{"sku":"B-1","quantity":3}]}                     | 409 | sku      | B-1
			{"items":[{"sku":"B-1","quantity":1},{"sku":"B-1","quantity":2}]} | 409 | sku | B-1
			{"items":[{"sku":"B-1","quantity":1},{"sku":"NOPE","quantity":1}]} | 404 | sku | NOPE
			""")
	void refusedOrderNamesTheCulpritAndChangesNothing(String body, int status, String property, String value) {
		String before = shop.snapshot();
		ResponseEntity<Map> response = shop.http()
			.post()
			.uri("/api/orders")
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.retrieve()
			.toEntity(Map.class);
		assertThat(response.getStatusCode().value()).isEqualTo(status);
		assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(response.getBody()).containsEntry("status", status).containsEntry(property, value);
		assertThat((String) response.getBody().get("detail")).contains(value);
		assertThat(shop.snapshot()).isEqualTo(before);
	}

	@Test
	void malformedJsonIsABadRequest() {
		String before = shop.snapshot();
		ResponseEntity<Map> response = shop.http()
			.post()
			.uri("/api/orders")
			.contentType(MediaType.APPLICATION_JSON)
			.body("{\"items\": [")
			.retrieve()
			.toEntity(Map.class);
		assertThat(response.getStatusCode().value()).isEqualTo(400);
		assertThat(response.getBody()).containsEntry("title", "Unreadable request body");
		assertThat((String) response.getBody().get("detail")).startsWith("The body is not valid JSON")
			.doesNotContain("wrong type");
		assertThat(shop.snapshot()).isEqualTo(before);
	}

	@Test
	@SuppressWarnings("unchecked")
	void ordersAreListedNewestFirst() {
		String first = (String) OrderExpiryTests.place(shop, "N-1", 1).getBody().get("id");
		String second = (String) OrderExpiryTests.place(shop, "N-1", 1).getBody().get("id");
		ResponseEntity<List> orders = shop.http().get().uri("/api/orders").retrieve().toEntity(List.class);
		List<String> ids = ((List<Map<String, Object>>) orders.getBody()).stream()
			.map((order) -> (String) order.get("id"))
			.toList();
		assertThat(ids).containsSubsequence(second, first);
	}

	@Test
	void unknownOrderIsNotFound() {
		ResponseEntity<Map> read = shop.http().get().uri("/api/orders/nope").retrieve().toEntity(Map.class);
		assertThat(read.getStatusCode().value()).isEqualTo(404);
		assertThat(read.getBody()).containsEntry("orderId", "nope");
		String before = shop.snapshot();
		ResponseEntity<Map> pay = shop.http().post().uri("/api/orders/nope/payment").retrieve().toEntity(Map.class);
		assertThat(pay.getStatusCode().value()).isEqualTo(404);
		assertThat(pay.getBody()).containsEntry("orderId", "nope");
		assertThat(shop.snapshot()).isEqualTo(before);
	}

	@Test
	void payingTwiceIsAConflictNamingTheOrderAndItsStatus() {
		String id = (String) OrderExpiryTests.place(shop, "B-1", 1).getBody().get("id");
		assertThat(OrderExpiryTests.pay(shop, id).getStatusCode().value()).isEqualTo(200);
		String before = shop.snapshot();
		ResponseEntity<Map> again = shop.http().post().uri("/api/orders/{id}/payment", id).retrieve().toEntity(Map.class);
		assertThat(again.getStatusCode().value()).isEqualTo(409);
		assertThat(again.getBody()).containsEntry("status", 409)
			.containsEntry("orderId", id)
			.containsEntry("orderStatus", "PAID");
		assertThat(shop.snapshot()).isEqualTo(before);
		ResponseEntity<Map> read = shop.http().get().uri("/api/orders/{id}", id).retrieve().toEntity(Map.class);
		assertThat(read.getBody()).containsEntry("status", "PAID").containsKeys("id", "expiresAt", "items");
	}

}
