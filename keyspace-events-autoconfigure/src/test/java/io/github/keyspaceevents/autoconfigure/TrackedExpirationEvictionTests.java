package io.github.keyspaceevents.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.keyspaceevents.KeyspaceEventsConfigurationException;
import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.launcher.RedisClusterProcesses;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import io.github.keyspaceevents.tracking.RedisTrackedExpirations;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tracked expirations on a Redis that is also a cache: the memory policy is read and an evicting one refused, an
 * accepted one has every eviction of the ledger's keys reported, and a full {@code noeviction} Redis fails a write
 * whole and resumes once memory is free.
 */
@ExtendWith(OutputCaptureExtension.class)
class TrackedExpirationEvictionTests {

	private static final String[] PROPERTIES = { "keyspace-events.tracking.idle-poll=200ms",
			"keyspace-events.tracking.lease=2s" };

	@Test
	void anApplicationUsingTrackedExpirationsRefusesToStartWhereAnAllkeysPolicyCanEvictThem() {
		try (RedisServerProcess redis = RedisServerProcess.start("--maxmemory", "16mb", "--maxmemory-policy",
				"allkeys-lru")) {
			runner(redis).withUserConfiguration(Checkout.class).run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = new KeyspaceEventsFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("maxmemory-policy allkeys-lru with maxmemory 16777216")
					.contains("bean 'checkout'");
				assertThat(analysis.getAction()).contains("noeviction")
					.contains("volatile-*")
					.contains("keyspace-events.tracking.allow-eviction=true");
			});
			assertThat(keys(redis)).noneMatch((key) -> key.startsWith("order:"));
		}
	}

	@Test
	void everyClusterMasterIsReadAndTheOneThatEvictsIsNamed() {
		try (RedisClusterProcesses cluster = RedisClusterProcesses.start(3)) {
			RedisServerProcess evicting = cluster.currentMasters().get(1);
			evicting.command("CONFIG", "SET", "maxmemory", "16mb");
			evicting.command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
			new ApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
						KeyspaceEventsAutoConfiguration.class))
				.withUserConfiguration(Checkout.class)
				.withPropertyValues("spring.data.redis.cluster.nodes=" + cluster.nodeAddresses(),
						"spring.data.redis.timeout=5s")
				.run((context) -> {
					assertThat(context).hasFailed();
					assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()))
						.hasMessageContaining("maxmemory-policy allkeys-lru with maxmemory 16777216 bytes on "
								+ evicting.host() + ":" + evicting.port())
						.hasMessageNotContaining("noeviction with");
				});
		}
	}

	@Test
	void entriesAlreadyInTheLedgerCountAsUseWhenTheHandlingApplicationStarts() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).withUserConfiguration(Checkout.class).run((context) -> {
				assertThat(context).hasNotFailed();
				context.getBean(TrackedExpirations.class).expireAfter("order:1", "v", Duration.ofHours(1));
			});
			redis.command("CONFIG", "SET", "maxmemory", "16mb");
			redis.command("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu");
			runner(redis).withUserConfiguration(ExpiredOrderRecorder.class).run((context) -> {
				assertThat(context).hasFailed();
				assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()))
					.isInstanceOf(KeyspaceEventsConfigurationException.class)
					.hasMessageContaining("allkeys-lfu")
					.hasMessageContaining("the 1 entries already in the ledger");
			});
		}
	}

	@Test
	void anApplicationWithOnlyPlainHandlersStartsOnACacheAndTrackedWritesAreRefused(CapturedOutput output) {
		try (RedisServerProcess redis = RedisServerProcess.start("--maxmemory", "16mb", "--maxmemory-policy",
				"allkeys-lru")) {
			runner(redis).withUserConfiguration(ExpiredOrderRecorder.class).run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("can evict the tracked-expiration ledger (namespace 'keyspace-events')")
					.contains("Tracked writes are refused");
				TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
				assertThatExceptionOfType(KeyspaceEventsConfigurationException.class)
					.isThrownBy(() -> tracked.expireAfter("order:1", "v", Duration.ofMinutes(1)))
					.withMessageContaining("Tracked key 'order:1' not written")
					.withMessageContaining("allkeys-lru");
				assertThat(keys(redis)).doesNotContain("order:1");
				assertThat(context.getBean(RedisTrackedExpirations.class).pending(Instant.now().plusSeconds(3_600))
					.count()).isZero();
				// Plain handlers are not affected: health stays up, and says what refuses the writes.
				KeyspaceEventsHealthIndicator health = context.getBean(KeyspaceEventsHealthIndicator.class);
				await().until(() -> health.health(true).getStatus().equals(Status.UP));
				assertThat(health.health(true).getDetails()).containsEntry("trackedWritesRefused", true)
					.containsEntry("trackedEvictionAccepted", false);
			});
		}
	}

	// The case reported: a cache filling up a Redis shared with the ledger, the risk accepted explicitly.
	@Test
	void acceptedEvictionReportsEachLedgerKeyEvictedWithAnErrorAMetricAndHealthDown(CapturedOutput output) {
		try (RedisServerProcess redis = RedisServerProcess.start("--maxmemory", "4mb", "--maxmemory-policy",
				"allkeys-random")) {
			runner(redis).withUserConfiguration(Checkout.class)
				.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
						SimpleMetricsExportAutoConfiguration.class))
				.withPropertyValues("keyspace-events.tracking.allow-eviction=true")
				.run((context) -> {
					assertThat(context).hasNotFailed();
					assertThat(output).contains("keyspace-events.tracking.allow-eviction=true accepts it");
					await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
					assertThat(context.getBean(KeyspaceEventSubscription.class).channels())
						.contains("__keyevent@0__:evicted");
					assertThat(RedisContextRunners.serverFlags(redis)).contains("e");
					TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
					for (int i = 0; i < 2_000; i++) {
						tracked.expireAfter("order:" + i, "v", Duration.ofHours(1));
					}
					StringRedisTemplate cache = context.getBean(StringRedisTemplate.class);
					AtomicInteger written = new AtomicInteger();
					String value = "x".repeat(1_000);
					// Fill the cache until Redis has evicted a ledger key (each eviction picks a key at random).
					await().atMost(Duration.ofMinutes(1)).until(() -> {
						cache.executePipelined((RedisCallback<Object>) (connection) -> {
							for (int i = 0; i < 500; i++) {
								connection.stringCommands()
									.set(("cache:" + written.incrementAndGet()).getBytes(), value.getBytes());
							}
							return null;
						});
						return output.toString().contains("Redis evicted '{keyspace-events:");
					});
					assertThat(output).containsPattern("ERROR .*Redis evicted '\\{keyspace-events:\\d\\}:[a-z-]+' of "
							+ "tracked-expiration namespace 'keyspace-events' \\(maxmemory-policy allkeys-random .*\\)\\. "
							+ "It was the [a-z ]+ of shard \\d");
					MeterRegistry meters = context.getBean(MeterRegistry.class);
					await().untilAsserted(() -> assertThat(
							meters.get("keyspace.events.tracked.ledger.evicted").counter().count())
						.isPositive());
					Health health = context.getBean(KeyspaceEventsHealthIndicator.class).health(true);
					assertThat(health.getStatus()).isEqualTo(Status.DOWN);
					assertThat(health.getDetails()).containsKey("trackedLedgerKeysEvicted")
						.containsEntry("trackedEvictionAccepted", true);
					assertThat((String) health.getDetails().get("problem"))
						.contains("of the tracked-expiration ledger's keys");
				});
		}
	}

	// Under an accepted allkeys policy Redis may evict a tracked key alone: its entry stays, and on a standalone Redis
	// the key held the only copy of the value.
	@Test
	void aTrackedKeyGoneBeforeItsClaimIsHandledWithoutItsValueAndSaysSo(CapturedOutput output) {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).withUserConfiguration(Checkout.class).run((context) -> {
				context.getBean(TrackedExpirations.class).expireAfter("order:1", "v", Duration.ofHours(1));
				redis.command("DEL", "order:1");
				assertThat(context.getBean(RedisTrackedExpirations.class).expireNow("order:1")).isTrue();
				await().until(() -> context.getBean(EventRecorder.class).received().contains("order:1"));
				assertThat(output).contains("Tracked key 'order:1' was gone from Redis when its expiry was claimed "
						+ "(evicted, or deleted other than by TrackedExpirations.cancel)");
			});
		}
	}

	@Test
	void aVolatilePolicyCannotEvictTheLedgerAndIsNotWatched() {
		try (RedisServerProcess redis = RedisServerProcess.start("--maxmemory", "16mb", "--maxmemory-policy",
				"volatile-lru")) {
			runner(redis).withUserConfiguration(Checkout.class).run((context) -> {
				assertThat(context).hasNotFailed();
				await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
				assertThat(context.getBean(KeyspaceEventSubscription.class).channels())
					.containsExactly("__keyevent@0__:expired");
				context.getBean(TrackedExpirations.class).expireAfter("order:1", "v", Duration.ofMillis(50));
				await().until(() -> context.getBean(EventRecorder.class).received().contains("order:1"));
				Health health = context.getBean(KeyspaceEventsHealthIndicator.class).health(true);
				assertThat(health.getStatus()).isEqualTo(Status.UP);
				assertThat(health.getDetails()).containsEntry("trackedEvictionPolicy",
						"maxmemory-policy volatile-lru with maxmemory 16777216 bytes");
			});
		}
	}

	@Test
	void aPolicyChangedWhileRunningIsReportedAndWritesAreRefusedFromThen(CapturedOutput output) {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).withUserConfiguration(Checkout.class)
				.withPropertyValues("keyspace-events.notifications.check-interval=200ms")
				.run((context) -> {
					TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
					tracked.expireAfter("order:1", "v", Duration.ofMillis(50));
					await().until(() -> context.getBean(EventRecorder.class).received().contains("order:1"));
					redis.command("CONFIG", "SET", "maxmemory", "16mb");
					redis.command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
					await().until(() -> output.toString().contains("Tracked writes are refused from now on"));
					assertThat(output).containsPattern("ERROR .*maxmemory-policy allkeys-lru");
					assertThatExceptionOfType(KeyspaceEventsConfigurationException.class)
						.isThrownBy(() -> tracked.expireAfter("order:2", "v", Duration.ofMillis(50)));
					redis.command("CONFIG", "SET", "maxmemory-policy", "noeviction");
					await().until(() -> output.toString().contains("no longer evicts the tracked-expiration ledger"));
					tracked.expireAfter("order:2", "v", Duration.ofMillis(50));
					await().until(() -> context.getBean(EventRecorder.class).received().contains("order:2"));
				});
		}
	}

	@Test
	void aPolicyTheServerWillNotShowIsReportedWithWhereToLook(CapturedOutput output) {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			String[] user = ("ACL SETUSER events on >secret " + AclTests.MERGE_RULES + " "
					+ AclTests.TRACKED_RULES.replace("+info ", "")).split("\\s+");
			redis.command(user);
			runner(redis).withUserConfiguration(Checkout.class)
				.withPropertyValues("spring.data.redis.username=events", "spring.data.redis.password=secret")
				.run((context) -> {
					assertThat(context).hasNotFailed();
					assertThat(output).contains("Could not read Redis maxmemory-policy")
						.contains("'maxmemory-policy' parameter of the cluster's parameter group");
					context.getBean(TrackedExpirations.class).expireAfter("order:1", "v", Duration.ofMillis(50));
					await().until(() -> context.getBean(EventRecorder.class).received().contains("order:1"));
				});
		}
	}

	@Test
	void aWriteToAFullNoevictionRedisFailsWholeAndTrackingResumesOnceMemoryIsFree() {
		try (RedisServerProcess redis = RedisServerProcess.start("--maxmemory-policy", "noeviction")) {
			runner(redis).withUserConfiguration(Checkout.class).run((context) -> {
				assertThat(context).hasNotFailed();
				TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
				tracked.expireAfter("order:before", "kept", Duration.ofSeconds(1));
				StringRedisTemplate cache = context.getBean(StringRedisTemplate.class);
				String value = "x".repeat(100_000);
				for (int i = 0; i < 30; i++) {
					cache.opsForValue().set("filler:" + i, value);
				}
				// Full: maxmemory a megabyte below what is used, so that no small allocation can tip it back.
				redis.command("CONFIG", "SET", "maxmemory", Long.toString(usedMemory(redis) - 1_000_000));
				assertThatExceptionOfType(DataAccessException.class)
					.isThrownBy(() -> cache.opsForValue().set("probe", "x"))
					.withStackTraceContaining("OOM");
				assertThatExceptionOfType(DataAccessResourceFailureException.class)
					.isThrownBy(() -> tracked.expireAfter("order:during", "v", Duration.ofMillis(10)))
					.withMessageContaining("Tracked key 'order:during' not written: Redis is out of memory")
					.withMessageContaining("nothing of the write was kept");
				assertThat(keys(redis)).doesNotContain("order:during");
				assertThat(redis.command("ZSCORE", dueSetOf("order:during"), "order:during")).isNull();
				// Claims and outcomes begin with a removal, and Redis lets a script that has begun writing finish:
				// the expiry written before memory filled up is handled while writes are still refused.
				await().until(() -> context.getBean(EventRecorder.class).received().contains("order:before"));
				assertThatExceptionOfType(DataAccessException.class)
					.isThrownBy(() -> cache.opsForValue().set("probe", "x"));
				for (int i = 0; i < 30; i++) {
					cache.delete("filler:" + i);
				}
				tracked.expireAfter("order:during", "v", Duration.ofMillis(10));
				await().until(() -> context.getBean(EventRecorder.class).received().size() == 2);
				assertThat(context.getBean(EventRecorder.class).received()).containsExactlyInAnyOrder("order:before",
						"order:during");
			});
		}
	}

	@Test
	void theLedgerCanLiveOnARedisOfItsOwnNamedByUrlWhileTheMainRedisEvicts() {
		try (RedisServerProcess cache = RedisServerProcess.start("--maxmemory", "16mb", "--maxmemory-policy",
				"allkeys-lru"); RedisServerProcess ledger = RedisServerProcess.start()) {
			runner(cache).withUserConfiguration(Checkout.class)
				.withPropertyValues("keyspace-events.tracking.redis.url=redis://127.0.0.1:" + ledger.port() + "/2")
				.run((context) -> {
					assertThat(context).hasNotFailed();
					// The application's main connection is still Boot's, on the cache.
					assertThat(context.getBean(StringRedisTemplate.class).getConnectionFactory())
						.isSameAs(context.getBean("redisConnectionFactory"));
					context.getBean(TrackedExpirations.class).expireAfter("order:1", "v", Duration.ofHours(1));
					assertThat(keys(cache)).isEmpty();
					assertThat((List<?>) ledger.command(2, "KEYS", "{keyspace-events:*")).isNotEmpty();
					assertThat(ledger.command(2, "GET", "order:1")).isEqualTo("v");
					assertThat(context.getBean(RedisTrackedExpirations.class).expireNow("order:1")).isTrue();
					await().until(() -> context.getBean(EventRecorder.class).received().contains("order:1"));
					Health health = context.getBean(KeyspaceEventsHealthIndicator.class).health(true);
					assertThat(health.getDetails()).containsEntry("trackedEvictionPolicy",
							"maxmemory-policy noeviction with maxmemory 0 (no limit)");
				});
		}
	}

	@Test
	void theLedgerCanLiveOnAQualifiedConnectionFactoryOfTheApplication() {
		try (RedisServerProcess cache = RedisServerProcess.start("--maxmemory", "16mb", "--maxmemory-policy",
				"allkeys-lru"); RedisServerProcess ledger = RedisServerProcess.start()) {
			runner(cache).withUserConfiguration(Checkout.class, LedgerConnection.class)
				.withPropertyValues("ledger.port=" + ledger.port())
				.run((context) -> {
					assertThat(context).hasNotFailed();
					context.getBean(TrackedExpirations.class).expireAfter("order:1", "v", Duration.ofMillis(50));
					await().until(() -> context.getBean(EventRecorder.class).received().contains("order:1"));
					assertThat(keys(cache)).noneMatch((key) -> key.startsWith("{keyspace-events"));
					assertThat(keys(ledger)).anyMatch((key) -> key.startsWith("{keyspace-events"));
				});
		}
	}

	@Test
	void aLedgerUrlThatIsNotOneFailsStartupNamingTheProperty() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).withUserConfiguration(Checkout.class)
				.withPropertyValues("keyspace-events.tracking.redis.url=ledger.example.com:6379")
				.run((context) -> {
					assertThat(context).hasFailed();
					FailureAnalysis analysis = new KeyspaceEventsFailureAnalyzer()
						.analyze(context.getStartupFailure());
					assertThat(analysis.getDescription()).startsWith("keyspace-events.tracking.redis.url is not a "
							+ "Redis URL");
					assertThat(analysis.getAction()).contains("redis://");
				});
		}
	}

	private static long usedMemory(RedisServerProcess redis) {
		String info = String.valueOf(redis.command("INFO", "memory"));
		String line = info.substring(info.indexOf("used_memory:") + "used_memory:".length());
		return Long.parseLong(line.substring(0, line.indexOf('\r')).trim());
	}

	// The due set of the shard a key belongs to, in the default namespace of 8 shards.
	private static String dueSetOf(String key) {
		return "{keyspace-events:" + Math.floorMod(Arrays.hashCode(key.getBytes(StandardCharsets.UTF_8)), 8) + "}:due";
	}

	@SuppressWarnings("unchecked")
	private static List<String> keys(RedisServerProcess redis) {
		return (List<String>) redis.command("KEYS", "*");
	}

	private static ApplicationContextRunner runner(RedisServerProcess redis) {
		return RedisContextRunners.against(redis).withPropertyValues(PROPERTIES);
	}

	/** A bean of the application's that writes tracked expirations, and handles them. */
	@Configuration(proxyBeanMethods = false)
	static class Checkout extends ExpiredOrderRecorder {

		@Bean
		OrderCheckout checkout(TrackedExpirations trackedExpirations) {
			return new OrderCheckout(trackedExpirations);
		}

	}

	record OrderCheckout(TrackedExpirations trackedExpirations) {
	}

	/** The ledger's Redis as an application declares it: a second connection that does not replace Boot's. */
	@Configuration(proxyBeanMethods = false)
	static class LedgerConnection {

		@Bean(defaultCandidate = false)
		@TrackedExpirationsConnection
		LettuceConnectionFactory ledgerConnectionFactory(Environment environment) {
			return new LettuceConnectionFactory("127.0.0.1", environment.getRequiredProperty("ledger.port", Integer.class));
		}

	}

}
