package io.github.keyspaceevents.sample.shop;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.annotation.OnKeyDeleted;
import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Unpaid orders expire through real Redis keyspace events and give their stock back exactly once, whatever races
 * with them.
 */
class OrderExpiryTests {

	private static RedisServerProcess redis;

	@BeforeAll
	static void startRedis() {
		redis = RedisServerProcess.start();
	}

	@AfterAll
	static void stopRedis() {
		redis.close();
	}

	@Test
	void expiryRestoresStockAndSalesExactlyAndADuplicateEventChangesNothing() {
		try (ShopInstance shop = ShopInstance.start(redis, "expiry", "300ms",
				new Class<?>[] { ExpiredKeyRecorder.class })) {
			shop.addProduct("T-1", 10);
			Map<String, Object> order = place(shop, "T-1", 3).getBody();
			String id = (String) order.get("id");
			assertThat(order).containsEntry("status", "PENDING_PAYMENT");
			assertThat(shop.product("T-1").stock()).isEqualTo(7);
			assertThat(shop.product("T-1").sales()).isEqualTo(3);

			await().until(() -> shop.status(id) == OrderStatus.CANCELLED);
			assertThat(shop.product("T-1").stock()).isEqualTo(10);
			assertThat(shop.product("T-1").sales()).isZero();

			String before = shop.snapshot();
			shop.bean(OrderExpiry.class).paymentWindowClosed(UUID.fromString(id));
			assertThat(shop.snapshot()).isEqualTo(before);

			// Through Redis: a duplicate expired event, then a barrier event on the same key. Events of one key are
			// handled one after the other, so once the barrier arrived the duplicate has been handled too.
			ExpiredKeyRecorder recorder = shop.bean(ExpiredKeyRecorder.class);
			// The key was deleted once its expiry was handled: wait for that del event first.
			await().until(() -> recorder.count("del order:" + id) == 1);
			redis.command("PUBLISH", "__keyevent@0__:expired", "order:" + id);
			redis.command("PUBLISH", "__keyevent@0__:del", "order:" + id);
			await().until(() -> recorder.count("del order:" + id) == 2);
			assertThat(recorder.count("expired order:" + id)).isEqualTo(2);
			assertThat(shop.snapshot()).isEqualTo(before);
			assertThat(shop.product("T-1").stock()).isEqualTo(10);
			assertThat(shop.status(id)).isEqualTo(OrderStatus.CANCELLED);
		}
	}

	@Test
	void fiftyConcurrentBuyersOfTenUnitsGetExactlyTen() throws Exception {
		try (ShopInstance shop = ShopInstance.start(redis, "concurrent", "10m")) {
			shop.addProduct("T-2", 10);
			ExecutorService buyers = Executors.newFixedThreadPool(50);
			List<Callable<Integer>> attempts = new ArrayList<>();
			for (int i = 0; i < 50; i++) {
				attempts.add(() -> place(shop, "T-2", 1).getStatusCode().value());
			}
			List<Integer> statuses = new ArrayList<>();
			for (Future<Integer> result : buyers.invokeAll(attempts)) {
				statuses.add(result.get());
			}
			buyers.shutdown();
			assertThat(statuses).filteredOn((status) -> status == 201).hasSize(10);
			assertThat(statuses).filteredOn((status) -> status == 409).hasSize(40);
			assertThat(shop.product("T-2").stock()).isZero();
			assertThat(shop.product("T-2").sales()).isEqualTo(10);
		}
	}

	@Test
	void paymentAtTheDeadlineEitherPaysOrCancelsNeverBothNeverNeither() throws Exception {
		int orders = 200;
		try (ShopInstance shop = ShopInstance.start(redis, "race", "400ms")) {
			shop.addProduct("T-3", orders);
			ScheduledExecutorService payers = Executors.newScheduledThreadPool(16);
			List<String> ids = new ArrayList<>();
			List<ScheduledFuture<Integer>> payments = new ArrayList<>();
			for (int i = 0; i < orders; i++) {
				Map<String, Object> order = place(shop, "T-3", 1).getBody();
				String id = (String) order.get("id");
				ids.add(id);
				Instant deadline = Instant.parse((String) order.get("expiresAt"));
				// Aim at the deadline itself, a few milliseconds either side.
				long delay = Duration.between(Instant.now(), deadline).toMillis()
						+ ThreadLocalRandom.current().nextLong(-3, 4);
				payments.add(payers.schedule(() -> pay(shop, id).getStatusCode().value(), Math.max(0, delay),
						TimeUnit.MILLISECONDS));
			}
			int paid = 0;
			int refused = 0;
			List<Integer> paymentStatuses = new ArrayList<>();
			for (ScheduledFuture<Integer> payment : payments) {
				paymentStatuses.add(payment.get());
			}
			payers.shutdown();
			await().atMost(Duration.ofSeconds(30))
				.until(() -> ids.stream().noneMatch((id) -> shop.status(id) == OrderStatus.PENDING_PAYMENT));
			for (int i = 0; i < orders; i++) {
				OrderStatus status = shop.status(ids.get(i));
				if (paymentStatuses.get(i) == 200) {
					assertThat(status).as("order %s was paid", ids.get(i)).isEqualTo(OrderStatus.PAID);
					paid++;
				}
				else {
					assertThat(paymentStatuses.get(i)).isEqualTo(409);
					assertThat(status).as("order %s was refused payment", ids.get(i)).isEqualTo(OrderStatus.CANCELLED);
					refused++;
				}
			}
			assertThat(paid + refused).isEqualTo(orders);
			assertThat(shop.product("T-3").stock()).isEqualTo(orders - paid);
			assertThat(shop.product("T-3").sales()).isEqualTo(paid);
			System.out.printf("pay-vs-expire race: %d paid, %d cancelled%n", paid, refused);
		}
	}

	@Test
	void twoInstancesOnOneRedisAndDatabaseRestoreStockOnce() {
		try (ShopInstance first = ShopInstance.start(redis, "twoInstances", "3s");
				ShopInstance second = ShopInstance.start(redis, "twoInstances", "3s")) {
			first.addProduct("T-4", 100);
			List<String> ids = new ArrayList<>();
			for (int i = 0; i < 20; i++) {
				ShopInstance shop = (i % 2 == 0) ? first : second;
				ids.add((String) place(shop, "T-4", 2).getBody().get("id"));
			}
			assertThat(first.product("T-4").stock()).isEqualTo(60);
			await().until(() -> ids.stream().allMatch((id) -> first.status(id) == OrderStatus.CANCELLED));
			assertThat(first.product("T-4").stock()).isEqualTo(100);
			assertThat(second.product("T-4").sales()).isZero();
		}
	}

	@SuppressWarnings("unchecked")
	static ResponseEntity<Map<String, Object>> place(ShopInstance shop, String sku, int quantity) {
		return (ResponseEntity<Map<String, Object>>) (ResponseEntity<?>) shop.http()
			.post()
			.uri("/api/orders")
			.contentType(MediaType.APPLICATION_JSON)
			.body(Map.of("items", List.of(Map.of("sku", sku, "quantity", quantity))))
			.retrieve()
			.toEntity(Map.class);
	}

	static ResponseEntity<String> pay(ShopInstance shop, String id) {
		return shop.http().post().uri("/api/orders/{id}/payment", id).retrieve().toEntity(String.class);
	}

	/** Counts the expired and del events each key received. */
	static class ExpiredKeyRecorder {

		private final Map<String, Integer> counts = new ConcurrentHashMap<>();

		@OnKeyExpired("order:*")
		@OnKeyDeleted("order:*")
		void received(KeyspaceEvent event) {
			this.counts.merge(event.event() + " " + event.key(), 1, Integer::sum);
		}

		int count(String eventAndKey) {
			return this.counts.getOrDefault(eventAndKey, 0);
		}

	}

}
