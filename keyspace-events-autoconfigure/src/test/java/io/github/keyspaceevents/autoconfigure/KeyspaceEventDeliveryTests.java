package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.KeyspaceEventErrorHandler;
import io.github.keyspaceevents.annotation.OnKeyDeleted;
import io.github.keyspaceevents.annotation.OnKeyEvent;
import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Events from a real Redis reach the right handlers, and only those.
 */
class KeyspaceEventDeliveryTests {

	// Started once for the class, closed (killed) after its last test.
	@AutoClose
	private static final RedisServerProcess redis = RedisServerProcess.start();

	@BeforeEach
	void resetServer() {
		redis.command("FLUSHALL");
		redis.command("CONFIG", "SET", "notify-keyspace-events", "");
	}

	@Test
	void expiredKeyReachesExpiredHandlerWithItsKey() {
		run(OrderHandlers.class, (context) -> {
			StringRedisTemplate redisTemplate = context.getBean(StringRedisTemplate.class);
			redisTemplate.opsForValue().set("order:7", "pending", Duration.ofMillis(20));
			await().untilAsserted(() -> assertThat(recorder(context).received()).contains("expired String order:7",
					"expired bytes order:7", "expired event expired order:7 db 0"));
		});
	}

	@Test
	void deleteSetRenameAndHashEventsReachTheirHandlers() {
		run(OrderHandlers.class, (context) -> {
			StringRedisTemplate redisTemplate = context.getBean(StringRedisTemplate.class);
			redisTemplate.opsForValue().set("cart:1", "a");
			redisTemplate.opsForHash().put("cart:2", "sku", "3");
			redisTemplate.rename("cart:1", "cart:3");
			redisTemplate.delete("order:9");
			redisTemplate.opsForValue().set("order:9", "x");
			redisTemplate.unlink("order:9");
			await().untilAsserted(() -> assertThat(recorder(context).received()).contains("cart set cart:1",
					"cart hset cart:2", "cart rename_to cart:3", "deleted order:9"));
			assertThat(recorder(context).received()).doesNotContain("cart rename_from cart:1");
		});
	}

	@Test
	void nonMatchingKeysAndOtherDatabasesAreNotDelivered() {
		run(OrderHandlers.class, (context) -> {
			StringRedisTemplate redisTemplate = context.getBean(StringRedisTemplate.class);
			redis.command("CONFIG", "SET", "notify-keyspace-events", "KEA");
			redisTemplate.opsForValue().set("invoice:1", "x");
			redisTemplate.delete("invoice:1");
			redis.command(1, "SET", "order:in-db-1", "x");
			redis.command(1, "DEL", "order:in-db-1");
			// Sent last on the same server: once it arrives, everything before it has passed the filter.
			redisTemplate.opsForValue().set("order:marker", "x");
			redisTemplate.delete("order:marker");
			await().untilAsserted(() -> assertThat(recorder(context).received()).contains("deleted order:marker"));
			assertThat(recorder(context).received()).containsExactly("deleted order:marker");
		});
	}

	@Test
	void throwingHandlerDoesNotStopLaterEventsAndReachesTheErrorHandler() {
		run(FailingHandlers.class, (context) -> {
			StringRedisTemplate redisTemplate = context.getBean(StringRedisTemplate.class);
			redisTemplate.opsForValue().set("job:fail", "x");
			redisTemplate.opsForValue().set("job:ok", "x");
			await().untilAsserted(() -> assertThat(recorder(context).received()).contains("handled job:ok",
					"error onSet set job:fail boom"));
			redisTemplate.opsForValue().set("job:fail", "y");
			redisTemplate.opsForValue().set("job:later", "x");
			await().untilAsserted(() -> assertThat(recorder(context).received()).contains("handled job:later"));
			assertThat(recorder(context).received()).filteredOn((entry) -> entry.startsWith("error"))
				.hasSize(2);
		});
	}

	@Test
	void tenThousandEventsOnOneKeyArriveInOrderWhileOtherKeysRunInParallel() {
		run(SequenceHandlers.class, (context) -> {
			StringRedisTemplate redisTemplate = context.getBean(StringRedisTemplate.class);
			List<String> keys = List.of("seq:a", "seq:b", "seq:c", "seq:d");
			redisTemplate.executePipelined((RedisCallback<Object>) (connection) -> {
				for (int i = 0; i < 5_000; i++) {
					for (String key : keys) {
						connection.stringCommands().set(key.getBytes(), Integer.toString(i).getBytes());
						connection.keyCommands().del(key.getBytes());
					}
				}
				return null;
			});
			SequenceHandlers handlers = context.getBean(SequenceHandlers.class);
			await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(handlers.total()).isEqualTo(40_000));
			for (String key : keys) {
				List<String> events = handlers.eventsFor(key);
				assertThat(events).hasSize(10_000);
				for (int i = 0; i < events.size(); i++) {
					assertThat(events.get(i)).as("event %d of %s", i, key).isEqualTo((i % 2 == 0) ? "set" : "del");
				}
			}
			assertThat(handlers.threads()).hasSizeGreaterThan(1);
		});
	}

	@Test
	void flagsNeededByTheHandlersAreSetOnTheServer() {
		run(OrderHandlers.class, (context) -> {
			assertThat(context.getBean(KeyspaceEventSubscription.class).requiredFlags()).isEqualTo("Eg$hx");
			assertThat(RedisContextRunners.serverFlags(redis)).isEqualTo("g$hxE");
		});
	}


	private static EventRecorder recorder(AssertableApplicationContext context) {
		return context.getBean(EventRecorder.class);
	}

	private static void run(Class<?> handlers, Consumer<AssertableApplicationContext> test) {
		RedisContextRunners.against(redis)
			.withUserConfiguration(handlers)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				await().until(() -> context.getBean(KeyspaceEventSubscription.class).isSubscribed());
				test.accept(context);
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class OrderHandlers {

		@Bean
		EventRecorder eventRecorder() {
			return new EventRecorder();
		}

		@Bean
		Object orderHandlerBean(EventRecorder recorder) {
			return new Object() {

				@OnKeyExpired("order:*")
				void expiredAsString(String key) {
					recorder.record("expired String " + key);
				}

				@OnKeyExpired("order:*")
				void expiredAsBytes(byte[] key) {
					recorder.record("expired bytes " + new String(key));
				}

				@OnKeyExpired("order:*")
				void expiredAsEvent(KeyspaceEvent event) {
					recorder.record("expired event " + event.event() + " " + event.key() + " db " + event.database());
				}

				@OnKeyDeleted("order:*")
				void deleted(String key) {
					recorder.record("deleted " + key);
				}

				@OnKeyEvent(value = "cart:*", events = { "set", "hset", "rename_to" })
				void cart(KeyspaceEvent event) {
					recorder.record("cart", event);
				}

			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class FailingHandlers {

		private final EventRecorder recorder = new EventRecorder();

		@Bean
		EventRecorder eventRecorder() {
			return this.recorder;
		}

		@Bean
		KeyspaceEventErrorHandler recordingErrorHandler() {
			return (event, handler, error) -> this.recorder.record("error " + handler.method().getName() + " "
					+ event.event() + " " + event.key() + " " + error.getMessage());
		}

		@OnKeyEvent(value = "job:*", events = "set")
		void onSet(String key) {
			if (key.equals("job:fail")) {
				throw new IllegalStateException("boom");
			}
			this.recorder.record("handled " + key);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SequenceHandlers {

		private final Queue<String[]> received = new ConcurrentLinkedQueue<>();

		@OnKeyEvent(value = "seq:*", events = { "set", "del" })
		void onEvent(KeyspaceEvent event) {
			this.received.add(new String[] { event.key(), event.event(), Thread.currentThread().getName() });
		}

		int total() {
			return this.received.size();
		}

		List<String> eventsFor(String key) {
			List<String> events = new ArrayList<>();
			for (String[] entry : this.received) {
				if (entry[0].equals(key)) {
					events.add(entry[1]);
				}
			}
			return events;
		}

		java.util.Set<String> threads() {
			java.util.Set<String> threads = new java.util.HashSet<>();
			this.received.forEach((entry) -> threads.add(entry[2]));
			return threads;
		}

	}

}
