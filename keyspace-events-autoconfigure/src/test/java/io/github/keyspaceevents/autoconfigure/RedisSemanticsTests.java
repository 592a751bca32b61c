package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;
import java.util.Properties;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.annotation.OnKeyDeleted;
import io.github.keyspaceevents.annotation.OnKeyEvent;
import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Where Redis' own semantics are subtle, the starter follows Redis: the empty key, {@code n} hidden behind {@code A},
 * letters an older server refuses, a database the server does not have; and its own keys never reach handlers.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedisSemanticsTests {

	@Test
	void theEmptyKeyReachesAHandlerForEveryKeyAsKeysStarReturnsIt() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			RedisContextRunners.against(redis).withUserConfiguration(EveryDeletion.class).run((context) -> {
				await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
				redis.command("SET", "", "x");
				redis.command("DEL", "");
				await().until(() -> context.getBean(EventRecorder.class).received().contains("del "));
			});
		}
	}

	@Test
	void theStartersOwnKeysNeverReachHandlers() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			RedisContextRunners.against(redis).withUserConfiguration(EveryDeletion.class).run((context) -> {
				await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
				TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
				tracked.expireAfter("order:1", "v", Duration.ZERO);
				// The ledger's keys empty out (and Redis deletes them) in the same script that deletes order:1.
				await().until(() -> context.getBean(EventRecorder.class).received().contains("del order:1"));
				assertThat(redis.command("KEYS", "{keyspace-events*")).asList().isNotEmpty();
				tracked.expireAfter("order:2", "v", Duration.ofHours(1));
				tracked.cancel("order:2");
				redis.command("SET", "{keyspace-events:9}:mine", "x");
				redis.command("DEL", "{keyspace-events:9}:mine", "{keyspace-eventsX}:theirs");
				redis.command("SET", "{keyspace-eventsX}:theirs", "x");
				redis.command("DEL", "{keyspace-eventsX}:theirs");
				await().until(() -> context.getBean(EventRecorder.class).received().contains("del {keyspace-eventsX}:theirs"));
				assertThat(context.getBean(EventRecorder.class).received())
					.noneMatch((entry) -> entry.startsWith("del {keyspace-events:") || entry.startsWith("del {keyspace-events}"));
			});
		}
	}

	@Test
	void newKeyEventsNextToAllAreCoveredWithoutWritingOnEveryCheck() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			redis.command("CONFIG", "SET", "notify-keyspace-events", "AKE");
			long writesBefore = configCalls(redis, "set");
			RedisContextRunners.against(redis)
				.withUserConfiguration(NewKeys.class)
				.withPropertyValues("keyspace-events.notifications.check-interval=50ms",
						"keyspace-events.tracking.enabled=false")
				.run((context) -> {
					KeyspaceEventSubscription subscription = context.getBean(KeyspaceEventSubscription.class);
					await().until(subscription::isSubscribed);
					if (majorVersion(redis) >= 7) {
						// Written once (APPLIED), then found covered at every check.
						await().until(() -> subscription.status().flagsState().equals("COVERED"));
						assertThat(configCalls(redis, "set")).isEqualTo(writesBefore + 1);
						long writes = configCalls(redis, "set");
						redis.command("SET", "brand-new", "x");
						await().until(() -> context.getBean(EventRecorder.class).received().contains("new brand-new"));
						// Five more checks: Redis still reads back 'AKE', and nothing is written again.
						long reads = configCalls(redis, "get");
						await().until(() -> configCalls(redis, "get") >= reads + 5);
						assertThat(configCalls(redis, "set")).isEqualTo(writes);
						assertThat(subscription.status().flagsState()).isEqualTo("COVERED");
					}
					else {
						// Redis 6 has no 'n': the server refuses it, and says so with its version.
						await().until(() -> subscription.status().flagsState().equals("MISSING"));
						assertThat(subscription.status().flagsProblem()).contains("Redis 6");
					}
				});
		}
	}

	@Test
	void extraFlagsTheServerRefusesAreReportedWithItsVersionAndTheHandlersStillWork(CapturedOutput output) {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			RedisContextRunners.against(redis)
				.withUserConfiguration(ExpiredOrderRecorder.class)
				.withPropertyValues("keyspace-events.notifications.extra-flags=o", "keyspace-events.tracking.enabled=false")
				.run((context) -> {
					KeyspaceEventSubscription subscription = context.getBean(KeyspaceEventSubscription.class);
					await().until(subscription::isSubscribed);
					assertThat(subscription.status().flagsProblem()).startsWith("Redis " + version(redis))
						.contains("refuses 'o' from keyspace-events.notifications.extra-flags");
					assertThat(RedisContextRunners.serverFlags(redis)).contains("E").contains("x");
					redis.command("SET", "order:1", "x", "PX", "10");
					await().until(() -> context.getBean(EventRecorder.class).received().contains("order:1"));
					assertThat(output).contains("Remove those letters from keyspace-events.notifications.extra-flags");
				});
		}
	}

	@Test
	void aDatabaseTheServerDoesNotHaveFailsStartupNamingItsRange() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			RedisContextRunners.against(redis)
				.withUserConfiguration(ExpiredOrderRecorder.class)
				.withPropertyValues("keyspace-events.database=99")
				.run((context) -> assertThat(context).getFailure()
					.rootCause()
					.hasMessageContaining("keyspace-events.database is 99, but the Redis at 127.0.0.1:" + redis.port()
							+ " has 16 databases (0 to 15)"));
		}
	}

	// Redis 7 counts CONFIG subcommands apart.
	private static long configCalls(RedisServerProcess redis, String subcommand) {
		String stats = (String) redis.command("INFO", "commandstats");
		for (String line : stats.split("\r?\n")) {
			if (line.startsWith("cmdstat_config|" + subcommand + ":")) {
				String calls = line.substring(line.indexOf("calls=") + 6);
				return Long.parseLong(calls.substring(0, calls.indexOf(',')));
			}
		}
		return 0;
	}

	private static String version(RedisServerProcess redis) {
		Properties info = new Properties();
		for (String line : ((String) redis.command("INFO", "server")).split("\r?\n")) {
			int colon = line.indexOf(':');
			if (colon > 0) {
				info.setProperty(line.substring(0, colon), line.substring(colon + 1));
			}
		}
		return info.getProperty("redis_version");
	}

	private static int majorVersion(RedisServerProcess redis) {
		return Integer.parseInt(version(redis).split("\\.")[0]);
	}

	@Configuration(proxyBeanMethods = false)
	static class EveryDeletion {

		private final EventRecorder recorder = new EventRecorder();

		@Bean
		EventRecorder eventRecorder() {
			return this.recorder;
		}

		@OnKeyDeleted("*")
		void deleted(KeyspaceEvent event) {
			this.recorder.record(event.event() + " " + event.key());
		}

		@OnKeyExpired("order:*")
		void expired(String key) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class NewKeys {

		private final EventRecorder recorder = new EventRecorder();

		@Bean
		EventRecorder eventRecorder() {
			return this.recorder;
		}

		@OnKeyEvent(value = "brand-*", events = "new")
		void created(KeyspaceEvent event) {
			this.recorder.record(event.event() + " " + event.key());
		}

	}

}
