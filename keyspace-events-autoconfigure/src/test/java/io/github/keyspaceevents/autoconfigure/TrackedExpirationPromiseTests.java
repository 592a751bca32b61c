package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.TrackedExpirations.DeadLetter;
import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.dispatch.DispatchMetrics;
import io.github.keyspaceevents.tracking.ExpiryScheduler;
import io.github.keyspaceevents.tracking.RedisTrackedExpirations;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * The promises of tracked expirations at their edges, each against a real Redis: applications sharing a Redis, a
 * backlog longer than the lease, dead letters, cancel and re-write during handling, shutdowns, bad input, a changed
 * shard count and a completion that cannot be written at first.
 */
class TrackedExpirationPromiseTests {

	private static final String[] FAST = { "keyspace-events.tracking.lease=1s",
			"keyspace-events.tracking.retry-backoff=50ms", "keyspace-events.tracking.idle-poll=200ms" };

	@BeforeEach
	void reset() {
		Orders.reset();
	}

	@Test
	void twoApplicationsSharingARedisEachHandleAllOfTheirOwnExpiriesOnceAndAWriterClaimsNothing() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			ConfigurableApplicationContext writer = Instances.start(redis, NoHandlers.class);
			try {
				assertThat(writer.getBean(ExpiryScheduler.class).isRunning()).isFalse();
				TrackedExpirations tracked = writer.getBean(TrackedExpirations.class);
				for (int i = 0; i < 100; i++) {
					tracked.expireAfter("a:" + i, "a", Duration.ZERO);
					tracked.expireAfter("b:" + i, "b", Duration.ZERO);
				}
				assertThat(writer.getBean(RedisTrackedExpirations.class).backlog().overdue()).isEqualTo(200);
				try (ConfigurableApplicationContext a = Instances.start(redis, AppA.class);
						ConfigurableApplicationContext b = Instances.start(redis, AppB.class)) {
					await().until(() -> AppA.handled.size() == 100 && AppB.handled.size() == 100);
					await().until(() -> writer.getBean(RedisTrackedExpirations.class).backlog().scheduled() == 0);
					assertThat(AppA.handled.values()).allMatch((n) -> n.get() == 1);
					assertThat(AppB.handled.values()).allMatch((n) -> n.get() == 1);
					assertThat(AppA.handled.keySet()).allMatch((k) -> k.startsWith("a:"));
					assertThat(AppB.handled.keySet()).allMatch((k) -> k.startsWith("b:"));
				}
			}
			finally {
				writer.close();
			}
		}
	}

	@Test
	void aBacklogLongerThanTheLeaseIsHandledOncePerKeyWithoutALapse() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			Orders.sleepMillis = 100;
			try (ConfigurableApplicationContext instance = Instances.start(redis, Orders.class,
					"keyspace-events.tracking.lease=1s", "keyspace-events.dispatch.concurrency=2")) {
				TrackedExpirations tracked = instance.getBean(TrackedExpirations.class);
				for (int i = 0; i < 60; i++) {
					tracked.expireAfter("order:" + i, "v", Duration.ZERO);
				}
				// 60 × 100 ms on 2 lanes: three leases long.
				await().atMost(Duration.ofSeconds(30)).until(() -> Orders.successes() == 60);
				assertThat(Orders.succeeded.values()).allMatch((values) -> values.size() == 1);
				assertThat(Orders.lapses.get()).isZero();
				assertThat(tracked.deadLetterCount()).isZero();
			}
		}
	}

	@Test
	void aDeadLetteredExpiryIsNeverHandledAgainUntilRetriedAndDeadLettersCanBeManaged() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			Orders.failing.add("order:broken");
			Orders.failing.add("order:gone");
			try (ConfigurableApplicationContext instance = Instances.start(redis, Orders.class, with(FAST,
					"keyspace-events.tracking.max-attempts=2"))) {
				TrackedExpirations tracked = instance.getBean(TrackedExpirations.class);
				Instant deadline = Instant.now();
				tracked.expireAt("order:broken", "b", deadline);
				tracked.expireAt("order:gone", "g", deadline);
				await().until(() -> tracked.deadLetterCount() == 2);
				assertThat(redis.command("EXISTS", "order:broken")).isEqualTo(0L);
				assertThat(Orders.attempts("order:broken")).isEqualTo(2);
				List<DeadLetter> page = tracked.deadLetters(0, 1);
				assertThat(page).singleElement().satisfies((dead) -> {
					assertThat(dead.attempts()).isEqualTo(2);
					assertThat(dead.deadline()).isEqualTo(Instant.ofEpochMilli(deadline.toEpochMilli()));
					assertThat(dead.lastError()).contains("IllegalStateException");
				});
				assertThat(tracked.deadLetters(1, 5)).hasSize(1).doesNotContainAnyElementsOf(page);
				barrier(tracked);
				assertThat(Orders.attempts("order:broken")).isEqualTo(2);

				Orders.failing.remove("order:broken");
				assertThat(tracked.retryDeadLetter("order:broken")).isTrue();
				await().until(() -> Orders.successes("order:broken") == 1);
				assertThat(Orders.succeeded.get("order:broken")).containsExactly("b");
				assertThat(tracked.retryDeadLetter("order:broken")).isFalse();
				assertThat(tracked.deleteDeadLetter("order:gone")).isTrue();
				assertThat(tracked.deadLetterCount()).isZero();
			}
		}
	}

	@Test
	void deadLettersArePurgedAfterTheirRetention() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			Orders.failing.add("order:old");
			try (ConfigurableApplicationContext instance = Instances.start(redis, Orders.class, with(FAST,
					"keyspace-events.tracking.max-attempts=1", "keyspace-events.tracking.dead-letter-retention=1ms"))) {
				TrackedExpirations tracked = instance.getBean(TrackedExpirations.class);
				tracked.expireAfter("order:old", "o", Duration.ZERO);
				await().until(() -> Orders.attempts("order:old") == 1);
				// Buried, then purged: by the purge operation here, by the scheduler's own minute-by-minute purge in
				// production.
				await().until(() -> tracked.purgeDeadLetters(Duration.ZERO) + tracked.deadLetterCount() == 0
						&& Orders.attempts("order:old") == 1 && tracked.deadLetters(0, 1).isEmpty());
			}
		}
	}

	@Test
	void anExpiryWhoseDeadlineIsLongPastIsHandledOnce() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			try (ConfigurableApplicationContext instance = Instances.start(redis, Orders.class, FAST)) {
				TrackedExpirations tracked = instance.getBean(TrackedExpirations.class);
				tracked.expireAt("order:yesterday", "y", Instant.now().minus(Duration.ofDays(1)));
				await().until(() -> Orders.successes("order:yesterday") == 1);
				barrier(tracked);
				assertThat(Orders.attempts("order:yesterday")).isEqualTo(1);
				assertThat(redis.command("EXISTS", "order:yesterday")).isEqualTo(0L);
			}
		}
	}

	@Test
	void cancelWhileTheHandlerRunsWinsOverItsRetry() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			Orders.blockOn.put("order:paid", new CountDownLatch(1));
			Orders.failing.add("order:paid");
			try (ConfigurableApplicationContext instance = Instances.start(redis, Orders.class, FAST)) {
				TrackedExpirations tracked = instance.getBean(TrackedExpirations.class);
				tracked.expireAfter("order:paid", "p", Duration.ZERO);
				await().until(() -> Orders.attempts("order:paid") == 1);
				assertThat(tracked.cancel("order:paid")).as("handlers already running").isFalse();
				Orders.blockOn.get("order:paid").countDown();
				barrier(tracked);
				assertThat(Orders.attempts("order:paid")).isEqualTo(1);
				assertThat(tracked.deadLetterCount()).isZero();
				assertThat(instance.getBean(RedisTrackedExpirations.class).backlog().scheduled()).isZero();
			}
		}
	}

	@Test
	void reWritingAKeyWhileItsExpiryRunsKeepsTheNewKeyAndItsNewExpiry() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			Orders.blockOn.put("order:again", new CountDownLatch(1));
			// Without claiming ahead, so that nothing but the old attempt is in flight when it ends.
			try (ConfigurableApplicationContext instance = Instances.start(redis, Orders.class,
					with(FAST, "keyspace-events.tracking.claim-ahead=0"))) {
				TrackedExpirations tracked = instance.getBean(TrackedExpirations.class);
				tracked.expireAfter("order:again", "first", Duration.ZERO);
				await().until(() -> Orders.attempts("order:again") == 1);
				tracked.expireAfter("order:again", "second", Duration.ofSeconds(1));
				Orders.blockOn.remove("order:again").countDown();
				await().until(() -> Orders.successes("order:again") == 1);
				await().until(() -> instance.getBean(ExpiryScheduler.class).inFlight() == 0);
				assertThat(redis.command("GET", "order:again")).isEqualTo("second");
				await().until(() -> Orders.successes("order:again") == 2);
				assertThat(Orders.succeeded.get("order:again")).containsExactly("first", "second");
				// Deleted when the second outcome is recorded, just after its handler returned.
				await().until(() -> Long.valueOf(0).equals(redis.command("EXISTS", "order:again")));
			}
		}
	}

	@Test
	void anExpiryClaimedAheadOfItsDeadlineBeginsAtItAndNotAfterACancelOrReWrite() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			try (ConfigurableApplicationContext instance = Instances.start(redis, Orders.class,
					with(FAST, "keyspace-events.tracking.claim-ahead=30s"))) {
				TrackedExpirations tracked = instance.getBean(TrackedExpirations.class);
				RedisTrackedExpirations ledger = instance.getBean(RedisTrackedExpirations.class);
				Instant deadline = Instant.now().plusSeconds(2);
				tracked.expireAt("order:on-time", "o", deadline);
				tracked.expireAt("order:paid", "p", deadline);
				tracked.expireAt("order:moved", "m1", deadline);
				await().until(() -> ledger.backlog().leased() == 3);
				assertThat(tracked.cancel("order:paid")).as("claimed, but its deadline has not come").isTrue();
				tracked.expireAt("order:moved", "m2", deadline.plusSeconds(1));
				await().until(() -> Orders.successes("order:moved") == 1);
				assertThat(Orders.succeeded.get("order:on-time")).containsExactly("o");
				assertThat(Orders.firstAttemptAt.get("order:on-time")).isGreaterThanOrEqualTo(deadline.toEpochMilli());
				assertThat(Orders.succeeded.get("order:moved")).containsExactly("m2");
				assertThat(Orders.firstAttemptAt.get("order:moved"))
					.isGreaterThanOrEqualTo(deadline.plusSeconds(1).toEpochMilli());
				barrier(tracked);
				assertThat(Orders.attempts("order:paid")).isZero();
				assertThat(Orders.attempts("order:on-time") + Orders.attempts("order:moved")).isEqualTo(2);
			}
		}
	}

	@Test
	void aGracefulShutdownGivesBackWhatItHadNotStartedWithoutChargingAnAttempt() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			Orders.sleepMillis = 200;
			String[] properties = with(FAST, "keyspace-events.tracking.max-attempts=1",
					"keyspace-events.dispatch.concurrency=1");
			ConfigurableApplicationContext first = Instances.start(redis, Orders.class, properties);
			TrackedExpirations tracked = first.getBean(TrackedExpirations.class);
			for (int i = 0; i < 10; i++) {
				tracked.expireAfter("order:" + i, "v", Duration.ZERO);
			}
			await().until(() -> Orders.totalAttempts() >= 1);
			first.close();
			int handledByFirst = Orders.successes();
			assertThat(handledByFirst).isBetween(1, 9);
			try (ConfigurableApplicationContext second = Instances.start(redis, Orders.class, properties)) {
				await().until(() -> Orders.successes() == 10);
				assertThat(Orders.succeeded.values()).allMatch((values) -> values.size() == 1);
				assertThat(second.getBean(TrackedExpirations.class).deadLetterCount()).isZero();
			}
		}
	}

	@Test
	void anAttemptInterruptedByTheShutdownTimeoutIsGivenBackNotFailed() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			Orders.sleepMillis = 60_000;
			String[] properties = with(FAST, "keyspace-events.tracking.max-attempts=1",
					"keyspace-events.dispatch.shutdown-timeout=100ms");
			ConfigurableApplicationContext first = Instances.start(redis, Orders.class, properties);
			first.getBean(TrackedExpirations.class).expireAfter("order:long", "v", Duration.ZERO);
			await().until(() -> Orders.attempts("order:long") == 1);
			first.close();
			Orders.sleepMillis = 0;
			try (ConfigurableApplicationContext second = Instances.start(redis, Orders.class, properties)) {
				await().until(() -> Orders.successes("order:long") == 1);
				assertThat(second.getBean(TrackedExpirations.class).deadLetterCount()).isZero();
			}
		}
	}

	@Test
	void closingRightAfterABurstRecordsEveryOutcomeBeforeTheLastThreadEnds() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			ConfigurableApplicationContext instance = Instances.start(redis, Orders.class);
			RedisTrackedExpirations tracked = instance.getBean(RedisTrackedExpirations.class);
			for (int i = 0; i < 20_000; i++) {
				tracked.expireAfter("order:" + i, null, Duration.ZERO);
			}
			await().atMost(Duration.ofSeconds(60)).until(() -> Orders.successes() == 20_000);
			instance.close();
			// Nothing left claimed or scheduled: every outcome was written before close() returned.
			assertThat(redis.command("KEYS", "{keyspace-events:*}:leased")).asList().isEmpty();
			assertThat(redis.command("KEYS", "{keyspace-events:*}:due")).asList().isEmpty();
			assertThat(redis.command("KEYS", "order:*")).asList().isEmpty();
		}
	}

	@Test
	void badInputFailsAtTheCallAndWritesNothing() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			try (ConfigurableApplicationContext instance = Instances.start(redis, Orders.class)) {
				TrackedExpirations tracked = instance.getBean(TrackedExpirations.class);
				tracked.expireAfter("order:fine", "v", Duration.ofHours(1));
				Object keysBefore = redis.command("DBSIZE");
				assertThatIllegalArgumentException().isThrownBy(() -> tracked.expireAt(null, "v", Instant.now()))
					.withMessageContaining("must not be null or empty");
				assertThatIllegalArgumentException().isThrownBy(() -> tracked.expireAt("", "v", Instant.now()));
				assertThatIllegalArgumentException()
					.isThrownBy(() -> tracked.expireAt("{keyspace-events:0}:due", "v", Instant.now()))
					.withMessageContaining("namespace");
				assertThatIllegalArgumentException().isThrownBy(() -> tracked.expireAt("order:1", "v", null))
					.withMessageContaining("Deadline");
				assertThatIllegalArgumentException().isThrownBy(() -> tracked.expireAt("order:1", "v", Instant.MIN))
					.withMessageContaining("outside what Redis can store");
				assertThatIllegalArgumentException().isThrownBy(() -> tracked.expireAt("order:1", "v", Instant.MAX));
				assertThatIllegalArgumentException()
					.isThrownBy(() -> tracked.expireAt("order:\uD800", "v", Instant.now()))
					.withMessageContaining("lone surrogate");
				assertThatIllegalArgumentException()
					.isThrownBy(() -> tracked.expireAfter("order:1", "v", Duration.ofSeconds(-1)));
				assertThatIllegalArgumentException().isThrownBy(() -> tracked.deadLetters(-1, 10));
				assertThat(redis.command("DBSIZE")).isEqualTo(keysBefore);
				assertThat(redis.command("TYPE", "{keyspace-events:0}:due")).isIn("zset", "none");
			}
		}
	}

	@Test
	void changingTheShardCountStrandsNoEntry() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			try (ConfigurableApplicationContext writer = Instances.start(redis, NoHandlers.class,
					"keyspace-events.tracking.shards=8")) {
				TrackedExpirations tracked = writer.getBean(TrackedExpirations.class);
				for (int i = 0; i < 50; i++) {
					tracked.expireAfter("order:" + i, "v", Duration.ZERO);
				}
			}
			try (ConfigurableApplicationContext worker = Instances.start(redis, Orders.class,
					with(FAST, "keyspace-events.tracking.shards=2"))) {
				await().until(() -> Orders.successes() == 50);
				assertThat(Orders.succeeded.values()).allMatch((values) -> values.size() == 1);
			}
		}
	}

	@Test
	void anOutcomeThatCannotBeWrittenIsRetriedUntilItLands() {
		try (RedisServerProcess redis = RedisServerProcess.start("--appendonly", "yes", "--appendfsync", "always")) {
			Orders.blockOn.put("order:outage", new CountDownLatch(1));
			try (ConfigurableApplicationContext instance = Instances.start(redis, Orders.class, with(FAST,
					"spring.data.redis.timeout=500ms"))) {
				TrackedExpirations tracked = instance.getBean(TrackedExpirations.class);
				tracked.expireAfter("order:outage", "v", Duration.ZERO);
				await().until(() -> Orders.attempts("order:outage") == 1);
				redis.stop();
				Orders.blockOn.get("order:outage").countDown();
				await().until(() -> Orders.successes("order:outage") == 1);
				redis.startAgain();
				await().atMost(Duration.ofSeconds(30))
					.until(() -> Long.valueOf(0).equals(redis.command("EXISTS", "order:outage")));
				barrier(tracked);
				// The barrier's own outcome is written after its handler returns: its lease counts until then.
				await().until(() -> instance.getBean(RedisTrackedExpirations.class).backlog()
					.equals(new RedisTrackedExpirations.Backlog(0, 0, 0, 0)));
				assertThat(Orders.attempts("order:outage")).isEqualTo(1);
			}
		}
	}

	// Written after the key under test and due two leases later: once it is handled, anything the key under test
	// could still cause (a retry, a lapsed lease) would have happened.
	private static void barrier(TrackedExpirations tracked) {
		String key = "order:barrier:" + System.nanoTime();
		tracked.expireAfter(key, "barrier", Duration.ofSeconds(2));
		await().atMost(Duration.ofSeconds(20)).until(() -> Orders.successes(key) == 1);
	}

	private static String[] with(String[] base, String... more) {
		String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
		System.arraycopy(more, 0, all, base.length, more.length);
		return all;
	}

	@Configuration(proxyBeanMethods = false)
	static class NoHandlers {

	}

	@Configuration(proxyBeanMethods = false)
	static class AppA {

		static final Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();

		@OnKeyExpired("a:*")
		void expired(String key) {
			handled.computeIfAbsent(key, (k) -> new AtomicInteger()).incrementAndGet();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class AppB {

		static final Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();

		@OnKeyExpired("b:*")
		void expired(String key) {
			handled.computeIfAbsent(key, (k) -> new AtomicInteger()).incrementAndGet();
		}

	}

	/** The order handler under test: records attempts and successes, and can block, sleep or fail per key. */
	@Configuration(proxyBeanMethods = false)
	static class Orders {

		static final Map<String, AtomicInteger> attempted = new ConcurrentHashMap<>();

		static final Map<String, List<String>> succeeded = new ConcurrentHashMap<>();

		static final Map<String, CountDownLatch> blockOn = new ConcurrentHashMap<>();

		static final List<String> failing = new CopyOnWriteArrayList<>();

		static final AtomicInteger lapses = new AtomicInteger();

		static final Map<String, Long> firstAttemptAt = new ConcurrentHashMap<>();

		static volatile long sleepMillis;

		static void reset() {
			attempted.clear();
			firstAttemptAt.clear();
			succeeded.clear();
			blockOn.clear();
			failing.clear();
			lapses.set(0);
			sleepMillis = 0;
			AppA.handled.clear();
			AppB.handled.clear();
		}

		static int attempts(String key) {
			AtomicInteger count = attempted.get(key);
			return (count != null) ? count.get() : 0;
		}

		static int totalAttempts() {
			return attempted.values().stream().mapToInt(AtomicInteger::get).sum();
		}

		static int successes(String key) {
			List<String> values = succeeded.get(key);
			return (values != null) ? values.size() : 0;
		}

		static int successes() {
			return succeeded.values().stream().mapToInt(List::size).sum();
		}

		@Bean
		DispatchMetrics lapseCounter() {
			return new DispatchMetrics() {
				@Override
				public void trackedLeaseLapsed(int count) {
					lapses.addAndGet(count);
				}
			};
		}

		@OnKeyExpired("order:*")
		void expired(KeyspaceEvent event) throws InterruptedException {
			String key = event.key();
			firstAttemptAt.putIfAbsent(key, System.currentTimeMillis());
			attempted.computeIfAbsent(key, (k) -> new AtomicInteger()).incrementAndGet();
			CountDownLatch block = blockOn.get(key);
			if (block != null) {
				block.await(30, TimeUnit.SECONDS);
			}
			if (sleepMillis > 0 && !key.startsWith("order:barrier")) {
				Thread.sleep(sleepMillis);
			}
			if (failing.contains(key)) {
				throw new IllegalStateException("failing on purpose: " + key);
			}
			succeeded.computeIfAbsent(key, (k) -> new CopyOnWriteArrayList<>()).add(event.value());
		}

	}

}
