package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.github.keyspaceevents.KeyspaceEventsConfigurationException;
import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Health, the actuator endpoint, metrics and the failure analyzer, against a real Redis.
 */
class OperationsTests {

	@Test
	void healthIsUpWithDetailsThenOutOfServiceOnDriftThenDownWithoutRedis() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).withPropertyValues("keyspace-events.notifications.mode=verify",
					"keyspace-events.notifications.check-interval=100ms")
				.run((context) -> {
					redis.command("CONFIG", "SET", "notify-keyspace-events", "Ex");
					KeyspaceEventsHealthIndicator health = context.getBean(KeyspaceEventsHealthIndicator.class);
					await().until(() -> health.health(true).getStatus().equals(Status.UP));
					Health up = health.health(true);
					assertThat(up.getDetails()).containsEntry("channels", List.of("__keyevent@0__:expired"))
						.containsEntry("requiredFlags", "Ex")
						.containsEntry("trackedOverdue", 0L)
						.containsEntry("trackedDeadLetters", 0L);

					redis.command("CONFIG", "SET", "notify-keyspace-events", "Kg");
					await().until(() -> health.health(true).getStatus().equals(Status.OUT_OF_SERVICE));
					assertThat(health.health(true).getDetails()).containsEntry("missingFlags", "Ex");

					redis.stop();
					await().until(() -> health.health(true).getStatus().equals(Status.DOWN));
				});
		}
	}

	@Test
	void anApplicationWithoutHandlersIsUp() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			RedisContextRunners.against(redis).run((context) -> {
				// It may only write tracked expirations for a worker: nothing to subscribe is not a failure.
				Health health = context.getBean(KeyspaceEventsHealthIndicator.class).health(true);
				assertThat(health.getStatus()).isEqualTo(Status.UP);
				assertThat(health.getDetails()).containsEntry("subscribed", false)
					.containsEntry("channels", List.of());
			});
		}
	}

	@Test
	void endpointListsHandlersFlagsAndChannels() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).withPropertyValues("spring.jmx.enabled=true",
					"management.endpoints.jmx.exposure.include=keyspaceevents")
				.run((context) -> {
					await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
					KeyspaceEventsEndpoint.KeyspaceEventsDescriptor descriptor = context
						.getBean(KeyspaceEventsEndpoint.class)
						.keyspaceEvents();
					assertThat(descriptor.handlers()).singleElement().satisfies((handler) -> {
						assertThat(handler.method()).endsWith("OperationsTests$Handlers#expired");
						assertThat(handler.patterns()).containsExactly("order:*");
						assertThat(handler.events()).containsExactly("expired");
					});
					assertThat(descriptor.subscription().flagsState()).isEqualTo("APPLIED");
					assertThat(descriptor.subscription().channels()).containsExactly("__keyevent@0__:expired");
				});
		}
	}

	@Test
	void healthAnswersWithinAboutASecondWhileRedisHangsAndRecoversAfter() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).run((context) -> {
				KeyspaceEventsHealthIndicator health = context.getBean(KeyspaceEventsHealthIndicator.class);
				await().until(() -> health.health(true).getStatus().equals(Status.UP));
				redis.suspend();
				try {
					// The client's command timeout is 60 s: a check that called Redis directly would block that long.
					for (int check = 0; check < 2; check++) {
						Health hung = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> health.health(true));
						assertThat(hung.getStatus()).isEqualTo(Status.DOWN);
						assertThat(hung.getDetails()).containsEntry("redisReachable", false).containsKey("problem");
					}
				}
				finally {
					redis.resume();
				}
				await().until(() -> health.health(true).getStatus().equals(Status.UP));
			});
		}
	}

	@Test
	void metricsCountEventsTimeHandlersAndMeasureTrackedLag() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis)
				.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
						SimpleMetricsExportAutoConfiguration.class, ObservationAutoConfiguration.class))
				.run((context) -> {
					await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
					context.getBean(TrackedExpirations.class).expireAfter("order:1", "v", Duration.ofMillis(100));
					MeterRegistry meters = context.getBean(MeterRegistry.class);
					await().untilAsserted(() -> {
						assertThat(meters.get("keyspace.events.tracked.claimed").counter().count()).isEqualTo(1);
						assertThat(meters.get("keyspace.events.tracked.lag").timer().count()).isEqualTo(1);
						Timer handler = meters.find("keyspace.events.handler").tag("event", "expired").timer();
						assertThat(handler).isNotNull();
						assertThat(handler.count()).isEqualTo(1);
					});
					assertThat(meters.get("keyspace.events.tracked.recovered").counter().count()).isZero();
					// Due while nothing could claim it, as after an outage.
					context.getBean(TrackedExpirations.class).expireAt("order:missed", "v",
							Instant.now().minusSeconds(5));
					await().untilAsserted(() -> assertThat(
							meters.get("keyspace.events.tracked.recovered").counter().count()).isEqualTo(1));
					redis.command("SET", "order:2", "x", "PX", "10");
					await().untilAsserted(() -> {
						Counter received = meters.find("keyspace.events.received").tag("event", "expired").counter();
						assertThat(received).isNotNull();
						assertThat(received.count()).isEqualTo(1);
					});
				});
		}
	}

	@Test
	void endpointPagesRetriesDeletesAndPurgesDeadLettersAndRejectsBadInput() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			runner(redis).withUserConfiguration(FailingHandlers.class)
				.withPropertyValues("spring.jmx.enabled=true", "management.endpoints.jmx.exposure.include=keyspaceevents",
						"keyspace-events.tracking.max-attempts=1")
				.run((context) -> {
					await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
					TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
					for (int i = 0; i < 3; i++) {
						tracked.expireAfter("dead:" + i, "v" + i, Duration.ZERO);
					}
					await().until(() -> tracked.deadLetterCount() == 3);
					KeyspaceEventsEndpoint endpoint = context.getBean(KeyspaceEventsEndpoint.class);
					KeyspaceEventsEndpoint.DeadLettersDescriptor page = endpoint.deadLetters("deadletters", 1, 1);
					assertThat(page.total()).isEqualTo(3);
					assertThat(page.deadLetters()).singleElement()
						.satisfies((dead) -> assertThat(dead.lastError()).contains("no such order"));
					assertThat(endpoint.changeDeadLetters("deadletters", "delete", "dead:0", null))
						.containsEntry("done", true);
					assertThat(endpoint.changeDeadLetters("deadletters", "retry", "dead:1", null))
						.containsEntry("done", true);
					await().until(() -> tracked.deadLetters(0, 10).stream().anyMatch((d) -> d.key().equals("dead:1")));
					assertThat(endpoint.changeDeadLetters("deadletters", "purge", null, Duration.ZERO))
						.containsEntry("purged", 2L);
					assertThat(tracked.deadLetterCount()).isZero();

					assertThatExceptionOfType(InvalidEndpointRequestException.class)
						.isThrownBy(() -> endpoint.deadLetters("deadletter", null, null))
						.withMessageContaining("Unknown section 'deadletter'");
					assertThatExceptionOfType(InvalidEndpointRequestException.class)
						.isThrownBy(() -> endpoint.deadLetters("deadletters", -1, 10))
						.withMessageContaining("offset must be 0 or more");
					assertThatExceptionOfType(InvalidEndpointRequestException.class)
						.isThrownBy(() -> endpoint.changeDeadLetters("deadletters", "explode", "dead:1", null))
						.withMessageContaining("action must be 'retry', 'delete' or 'purge'");
					assertThatExceptionOfType(InvalidEndpointRequestException.class)
						.isThrownBy(() -> endpoint.changeDeadLetters("deadletters", "retry", null, null))
						.withMessageContaining("retry needs 'key'");
					assertThatExceptionOfType(InvalidEndpointRequestException.class)
						.isThrownBy(() -> endpoint.changeDeadLetters("deadletters", "purge", null, null))
						.withMessageContaining("purge needs 'olderThan'");
				});
		}
	}

	@ParameterizedTest
	@CsvSource(quoteCharacter = '"', value = { "keyspace-events.notifications.check-interval=0s, must be positive",
			"keyspace-events.retry.initial-interval=-1s, must be positive",
			"keyspace-events.retry.max-interval=0ms, must be positive",
			"keyspace-events.dispatch.shutdown-timeout=-5s, must be zero or more",
			"keyspace-events.tracking.idle-poll=0s, must be positive",
			"keyspace-events.tracking.batch-size=6000, must be at most 5000",
			"keyspace-events.tracking.lease=0s, must be positive",
			"keyspace-events.tracking.namespace=a}b, must be non-empty text without '}'" })
	void durationsAndCountsAreCheckedAtStartupNamingTheProperty(String property, String problem) {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(
					org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration.class,
					KeyspaceEventsAutoConfiguration.class))
			.withUserConfiguration(Handlers.class)
			.withPropertyValues(property)
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining(property.substring(0, property.indexOf('=')) + " " + problem));
	}

	@Test
	void failureAnalyzerDescribesTheProblemAndTheAction() {
		FailureAnalysis analysis = new KeyspaceEventsFailureAnalyzer().analyze(new IllegalStateException("wrapped",
				new KeyspaceEventsConfigurationException("keyspace-events.dispatch.concurrency must be at least 1",
						"Set keyspace-events.dispatch.concurrency to 1 or more")));
		assertThat(analysis.getDescription()).isEqualTo("keyspace-events.dispatch.concurrency must be at least 1");
		assertThat(analysis.getAction()).isEqualTo("Set keyspace-events.dispatch.concurrency to 1 or more");
	}

	@Test
	void startupFailuresAreAnalyzed() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(
					org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration.class,
					KeyspaceEventsAutoConfiguration.class))
			.withUserConfiguration(Handlers.class)
			.withPropertyValues("keyspace-events.notifications.extra-flags=Q")
			.run((context) -> {
				FailureAnalysis analysis = new KeyspaceEventsFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis).isNotNull();
				assertThat(analysis.getAction())
					.isEqualTo("Remove the invalid letters from keyspace-events.notifications.extra-flags.");
			});
	}

	private static ApplicationContextRunner runner(RedisServerProcess redis) {
		return RedisContextRunners.against(redis).withUserConfiguration(Handlers.class);
	}

	@Configuration(proxyBeanMethods = false)
	static class FailingHandlers {

		@OnKeyExpired("dead:*")
		void expired(String key) {
			throw new IllegalStateException("no such order: " + key);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Handlers {

		@OnKeyExpired("order:*")
		void expired(String key) {
		}

	}

}
