package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.TrackedExpirations.Expiry;
import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import io.github.keyspaceevents.tracking.RedisTrackedExpirations;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Tracked expirations under real faults: killed pub/sub connections, a stopped Redis, several instances, an instance
 * stopped mid-handler, failing handlers.
 */
class TrackedExpirationTests {

	private static final String[] PROPERTIES = { "keyspace-events.tracking.lease=1s",
			"keyspace-events.tracking.retry-backoff=50ms", "keyspace-events.tracking.max-attempts=3",
			"keyspace-events.tracking.idle-poll=200ms" };

	@BeforeEach
	void reset() {
		Handlers.reset();
	}

	// On a standalone Redis the value is stored once, in the tracked key, and the deadline once, as the entry's score in
	// the due set: a fresh entry has no field in the entries hash until it is claimed.
	@Test
	void theValueIsKeptOnceInTheTrackedKeyAndReadFromItWhenClaimed() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).run((context) -> {
				awaitSubscribed(context);
				TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
				String value = "a value of some length, kept once".repeat(10);
				Instant later = Instant.now().plusSeconds(3_600);
				tracked.expireAt("order:once", value, later);
				tracked.expireAtAll(List.of(new Expiry("order:once-batch", value, later)));
				tracked.expireAt("order:rewritten", "as written", later);
				tracked.expireAt("order:deleted", "as written", later);
				assertThat(storedEntries(redis)).isEmpty();
				assertThat(dueMembers(redis)).containsExactlyInAnyOrder("order:once", "order:once-batch",
						"order:rewritten", "order:deleted");
				assertThat(redis.command("GET", "order:once")).isEqualTo(value);
				// Another client's writes to the tracked key: the handler gets what the key holds then.
				redis.command("SET", "order:rewritten", "changed by hand");
				redis.command("DEL", "order:deleted");
				RedisTrackedExpirations ledger = context.getBean(RedisTrackedExpirations.class);
				for (String key : List.of("order:once", "order:once-batch", "order:rewritten", "order:deleted")) {
					assertThat(ledger.expireNow(key)).isTrue();
				}
				await().until(() -> Handlers.keysHandled() == 4);
				assertThat(Handlers.successes).allSatisfy((key, count) -> assertThat(count).as(key).hasValue(1));
				assertThat(Handlers.events.get("order:once").value()).isEqualTo(value);
				assertThat(Handlers.events.get("order:once-batch").value()).isEqualTo(value);
				assertThat(Handlers.events.get("order:rewritten").value()).isEqualTo("changed by hand");
				assertThat(Handlers.events.get("order:deleted").value()).isNull();
			});
		}
	}

	@SuppressWarnings("unchecked")
	private static List<String> dueMembers(RedisServerProcess redis) {
		List<String> members = new ArrayList<>();
		for (Object due : (List<Object>) redis.command("KEYS", "{keyspace-events:*}:due")) {
			((List<Object>) redis.command("ZRANGE", String.valueOf(due), "0", "-1")).forEach((m) -> members.add(String.valueOf(m)));
		}
		return members;
	}

	@SuppressWarnings("unchecked")
	private static List<String> storedEntries(RedisServerProcess redis) {
		List<String> entries = new ArrayList<>();
		for (Object hash : (List<Object>) redis.command("KEYS", "{keyspace-events:*}:entries")) {
			List<Object> fields = (List<Object>) redis.command("HGETALL", String.valueOf(hash));
			for (int i = 1; i < fields.size(); i += 2) {
				entries.add(String.valueOf(fields.get(i)));
			}
		}
		return entries;
	}

	@Test
	void trackedExpiryIsHandledOnTimeWithItsValue() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).run((context) -> {
				awaitSubscribed(context);
				Instant deadline = Instant.now().plusMillis(300);
				context.getBean(TrackedExpirations.class).expireAt("order:1", "pending", deadline);
				await().until(() -> Handlers.handled("order:1") == 1);
				KeyspaceEvent event = Handlers.events.get("order:1");
				assertThat(event.value()).isEqualTo("pending");
				assertThat(event.deadline()).isEqualTo(Instant.ofEpochMilli(deadline.toEpochMilli()));
				assertThat(Handlers.lagMillis.get("order:1")).isBetween(0L, 250L);
			});
		}
	}

	@Test
	void manyKeysWrittenInOneBatchAreEachHandledOnceWithTheirLastValue() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).run((context) -> {
				awaitSubscribed(context);
				TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
				// Tracked before, due in an hour: the batch re-writes it like expireAt would.
				tracked.expireAt("order:b1", "old", Instant.now().plus(Duration.ofHours(1)));
				Instant deadline = Instant.now().plusMillis(500);
				List<Expiry> batch = new ArrayList<>();
				for (int i = 0; i < 2_500; i++) {
					batch.add(new Expiry("order:b" + i, "v" + i, deadline.plusMillis(i % 100)));
				}
				batch.add(new Expiry("order:b0", "last", deadline));
				batch.add(new Expiry("order:b2", null, deadline));
				tracked.expireAtAll(batch);
				assertThat(redis.command("GET", "order:b3")).isEqualTo("v3");
				await().atMost(Duration.ofSeconds(30)).until(() -> Handlers.keysHandled() == 2_500);
				for (int i = 0; i < 2_500; i++) {
					assertThat(Handlers.handled("order:b" + i)).isEqualTo(1);
				}
				assertThat(Handlers.events.get("order:b0").value()).isEqualTo("last");
				assertThat(Handlers.events.get("order:b1").value()).isEqualTo("v1");
				assertThat(Handlers.events.get("order:b2").value()).isNull();
				assertThat(Handlers.events.get("order:b7").deadline())
					.isEqualTo(Instant.ofEpochMilli(deadline.toEpochMilli() + 7));
			});
		}
	}

	@Test
	void aBatchWithOneBadExpiryIsRefusedWholeAndWritesNothing() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).run((context) -> {
				TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
				List<Expiry> batch = List.of(new Expiry("order:good", "v", Instant.now()),
						new Expiry("{keyspace-events:0}:due", "v", Instant.now()));
				assertThatIllegalArgumentException().isThrownBy(() -> tracked.expireAtAll(batch))
					.withMessageContaining("{keyspace-events:0}:due");
				assertThat(redis.command("EXISTS", "order:good")).isEqualTo(0L);
				assertThat(((RedisTrackedExpirations) tracked).backlog().scheduled()).isZero();
			});
		}
	}

	@Test
	void asynchronousWritesCompleteOnceWrittenAndEachIsHandledOnce() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).run((context) -> {
				awaitSubscribed(context);
				TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
				assertThatIllegalArgumentException().isThrownBy(() -> tracked.expireAtAsync("", "v", Instant.now()));
				Instant deadline = Instant.now().plusMillis(500);
				List<CompletableFuture<Void>> writes = new CopyOnWriteArrayList<>();
				List<Thread> writers = new ArrayList<>();
				for (int t = 0; t < 4; t++) {
					int writer = t;
					Thread thread = new Thread(() -> {
						for (int i = 0; i < 500; i++) {
							writes.add(tracked.expireAtAsync("order:a" + writer + ":" + i, "v", deadline));
						}
					});
					thread.start();
					writers.add(thread);
				}
				for (Thread writer : writers) {
					writer.join();
				}
				CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
				assertThat(writes).hasSize(2_000).allMatch((write) -> write.isDone() && !write.isCompletedExceptionally());
				assertThat(redis.command("EXISTS", "order:a3:499")).isEqualTo(1L);
				await().atMost(Duration.ofSeconds(30)).until(() -> Handlers.keysHandled() == 2_000);
				assertThat(Handlers.successes.values()).allMatch((count) -> count.get() == 1);
			});
			// The writer's thread ends with the context.
			assertThat(Thread.getAllStackTraces().keySet())
				.noneMatch((thread) -> thread.getName().startsWith("keyspace-events-tracked-writer") && thread.isAlive());
		}
	}

	@Test
	void cancelledKeyIsNeverHandled() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).run((context) -> {
				awaitSubscribed(context);
				TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
				tracked.expireAfter("order:paid", "v", Duration.ofMillis(200));
				assertThat(tracked.cancel("order:paid")).isTrue();
				assertThat(redis.command("EXISTS", "order:paid")).isEqualTo(0L);
				// A later deadline: once it is handled, the cancelled one's deadline has long passed.
				tracked.expireAfter("order:barrier", "v", Duration.ofMillis(400));
				await().until(() -> Handlers.handled("order:barrier") == 1);
				assertThat(Handlers.handled("order:paid")).isZero();
				assertThat(tracked.cancel("order:paid")).isFalse();
			});
		}
	}

	@Test
	void killingThePubSubConnectionDuringTenThousandExpirationsLosesAndDuplicatesNothing() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).run((context) -> {
				awaitSubscribed(context);
				TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
				Instant start = Instant.now().plusMillis(500);
				List<String> keys = new ArrayList<>();
				for (int i = 0; i < 10_000; i++) {
					String key = "order:" + i;
					keys.add(key);
					tracked.expireAt(key, Integer.toString(i), start.plusMillis(i / 4));
				}
				for (int kill = 0; kill < 4; kill++) {
					int handledBefore = Handlers.total();
					// Once the subscription is back from the previous kill (Jedis' container waits before it resubscribes).
					await().until(() -> RedisContextRunners.killSubscribers(redis) > 0);
					await().until(() -> Handlers.total() > handledBefore || Handlers.keysHandled() == keys.size());
				}
				await().atMost(Duration.ofSeconds(60)).until(() -> Handlers.keysHandled() == keys.size());
				assertThat(Handlers.successes).allSatisfy((key, count) -> assertThat(count).as(key).hasValue(1));
			});
		}
	}

	@Test
	void deadlinesPassingWhileRedisIsStoppedAreHandledOnceWhenItIsBack() {
		try (RedisServerProcess redis = RedisServerProcess.start("--appendonly", "yes", "--appendfsync", "always")) {
			runner(redis).run((context) -> {
				awaitSubscribed(context);
				TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
				Instant deadline = Instant.now().plusMillis(1_500);
				for (int i = 0; i < 500; i++) {
					tracked.expireAt("order:" + i, "v" + i, deadline);
				}
				redis.stop();
				await().until(() -> Instant.now().isAfter(deadline.plusMillis(500)));
				assertThat(Handlers.total()).isZero();
				redis.startAgain();
				await().atMost(Duration.ofSeconds(30)).until(() -> Handlers.keysHandled() == 500);
				for (int i = 0; i < 500; i++) {
					assertThat(Handlers.handled("order:" + i)).isEqualTo(1);
				}
			});
		}
	}

	@Test
	void threeInstancesOnOneRedisHandleEachExpiryExactlyOnceInTotal() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			List<ConfigurableApplicationContext> instances = new ArrayList<>();
			try {
				for (int i = 0; i < 3; i++) {
					instances.add(Instances.start(redis, Handlers.class, PROPERTIES));
				}
				TrackedExpirations tracked = instances.get(0).getBean(TrackedExpirations.class);
				Instant start = Instant.now().plusMillis(300);
				for (int i = 0; i < 3_000; i++) {
					tracked.expireAt("order:" + i, null, start.plusMillis(i / 3));
				}
				await().atMost(Duration.ofSeconds(30)).until(() -> Handlers.keysHandled() == 3_000);
				for (int i = 0; i < 3_000; i++) {
					assertThat(Handlers.handled("order:" + i)).as("order:" + i).isEqualTo(1);
				}
				assertThat(Handlers.threadsByContext.keySet()).as("instances that handled expiries").hasSizeGreaterThan(1);
			}
			finally {
				instances.forEach(ConfigurableApplicationContext::close);
			}
		}
	}

	@Test
	void anInstanceStoppedMidHandlerHasItsEntryHandledByAnotherAfterTheLease() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			Handlers.stallOn = "order:stuck";
			ConfigurableApplicationContext first = Instances.start(redis, Handlers.class,
					with("keyspace-events.dispatch.shutdown-timeout=100ms"));
			first.getBean(TrackedExpirations.class).expireAfter("order:stuck", "v", Duration.ofMillis(100));
			await().until(() -> Handlers.stalled.getCount() == 0);
			first.close();
			Handlers.stallOn = null;
			ConfigurableApplicationContext second = Instances.start(redis, Handlers.class, PROPERTIES);
			try {
				await().atMost(Duration.ofSeconds(20)).until(() -> Handlers.handled("order:stuck") == 1);
				assertThat(Handlers.events.get("order:stuck").value()).isEqualTo("v");
			}
			finally {
				Handlers.release.countDown();
				second.close();
			}
		}
	}

	@Test
	void handlerFailingTwiceThenSucceedingIsHandledOnceAndOneAlwaysFailingEndsInTheDeadLetter() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).run((context) -> {
				awaitSubscribed(context);
				Handlers.failuresBeforeSuccess.put("order:flaky", 2);
				Handlers.failuresBeforeSuccess.put("order:broken", Integer.MAX_VALUE);
				TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
				tracked.expireAfter("order:flaky", "f", Duration.ofMillis(100));
				tracked.expireAfter("order:broken", "b", Duration.ofMillis(100));
				await().until(() -> Handlers.handled("order:flaky") == 1);
				assertThat(Handlers.attempts.get("order:flaky").get()).isEqualTo(3);
				await().until(() -> !tracked.deadLetters(0, 10).isEmpty());
				TrackedExpirations.DeadLetter deadLetter = tracked.deadLetters(0, 10).get(0);
				assertThat(deadLetter.key()).isEqualTo("order:broken");
				assertThat(deadLetter.value()).isEqualTo("b");
				assertThat(deadLetter.attempts()).isEqualTo(3);
				assertThat(deadLetter.lastError()).contains("IllegalStateException: attempt 3 of order:broken");
				assertThat(Handlers.attempts.get("order:broken").get()).isEqualTo(3);
				assertThat(Handlers.handled("order:broken")).isZero();
			});
		}
	}

	@Test
	void untrackedKeysStillReachExpiredHandlersThroughPubSub() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).run((context) -> {
				awaitSubscribed(context);
				redis.command("SET", "order:plain", "x", "PX", "50");
				await().until(() -> Handlers.handled("order:plain") == 1);
				assertThat(Handlers.events.get("order:plain").value()).isNull();
			});
		}
	}

	private static String[] with(String property) {
		String[] all = java.util.Arrays.copyOf(PROPERTIES, PROPERTIES.length + 1);
		all[PROPERTIES.length] = property;
		return all;
	}

	private static void awaitSubscribed(org.springframework.context.ApplicationContext context) {
		await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
	}

	private static ApplicationContextRunner runner(RedisServerProcess redis) {
		return RedisContextRunners.against(redis).withUserConfiguration(Handlers.class).withPropertyValues(PROPERTIES);
	}

	@Configuration(proxyBeanMethods = false)
	static class Handlers {

		static final Map<String, AtomicInteger> successes = new ConcurrentHashMap<>();

		static final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

		static final Map<String, KeyspaceEvent> events = new ConcurrentHashMap<>();

		static final Map<String, Long> lagMillis = new ConcurrentHashMap<>();

		static final Map<String, Integer> failuresBeforeSuccess = new ConcurrentHashMap<>();

		static final Map<Integer, Boolean> threadsByContext = new ConcurrentHashMap<>();

		static volatile String stallOn;

		static volatile CountDownLatch stalled = new CountDownLatch(1);

		static volatile CountDownLatch release = new CountDownLatch(1);

		static void reset() {
			successes.clear();
			attempts.clear();
			events.clear();
			lagMillis.clear();
			failuresBeforeSuccess.clear();
			threadsByContext.clear();
			stallOn = null;
			stalled = new CountDownLatch(1);
			release = new CountDownLatch(1);
		}

		static int handled(String key) {
			AtomicInteger count = successes.get(key);
			return (count != null) ? count.get() : 0;
		}

		// Keys handled at least once: waiting on this rather than on the number of calls lets a duplicate fail the
		// assertion that follows, naming the key, instead of the wait.
		static int keysHandled() {
			return successes.size();
		}

		static int total() {
			return successes.values().stream().mapToInt(AtomicInteger::get).sum();
		}

		@OnKeyExpired("order:*")
		void expired(KeyspaceEvent event) {
			String key = event.key();
			int attempt = attempts.computeIfAbsent(key, (k) -> new AtomicInteger()).incrementAndGet();
			if (key.equals(stallOn)) {
				stalled.countDown();
				awaitReleaseIgnoringInterrupts();
				return;
			}
			if (attempt <= failuresBeforeSuccess.getOrDefault(key, 0)) {
				throw new IllegalStateException("attempt " + attempt + " of " + key);
			}
			threadsByContext.put(System.identityHashCode(this), true);
			if (event.deadline() != null) {
				lagMillis.put(key, System.currentTimeMillis() - event.deadline().toEpochMilli());
			}
			events.put(key, event);
			successes.computeIfAbsent(key, (k) -> new AtomicInteger()).incrementAndGet();
		}

		// Like a handler stuck in I/O when its instance goes away: it neither finishes nor fails in time.
		private static void awaitReleaseIgnoringInterrupts() {
			while (true) {
				try {
					release.await();
					return;
				}
				catch (InterruptedException ex) {
					// keep waiting
				}
			}
		}

	}

}
