package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.annotation.OnKeyEvent;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis going away and coming back, before and after startup, needs no application restart.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedisOutageTests {

	@Test
	void afterARedisRestartTheFlagsAreBackAndEventsFlow() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			RedisContextRunners.against(redis).withUserConfiguration(Handlers.class).run((context) -> {
				await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
				StringRedisTemplate redisTemplate = context.getBean(StringRedisTemplate.class);
				EventRecorder recorder = context.getBean(EventRecorder.class);
				redisTemplate.opsForValue().set("order:before", "x");
				await().until(() -> recorder.received().contains("set order:before"));

				String runBefore = runId(redis);
				redis.restart();
				// A new server process, started with no notify-keyspace-events: the letters it ends up with can only
				// come from the starter (it may already have written them back by now; the test does not race it).
				assertThat(runId(redis)).isNotEqualTo(runBefore);
				await().untilAsserted(() -> assertThat(RedisContextRunners.serverFlags(redis)).isEqualTo("$E"));
				// Events published before the pub/sub connection is back are lost by design; keep publishing.
				await().untilAsserted(() -> {
					redisTemplate.opsForValue().set("order:after", "x");
					assertThat(recorder.received()).contains("set order:after");
				});
			});
		}
	}

	@Test
	void applicationStartsWithoutRedisAndSubscribesOnceItIsThere() {
		RedisServerProcess probe = RedisServerProcess.start();
		int port = probe.port();
		probe.close();
		RedisContextRunners.againstPort(port).withUserConfiguration(Handlers.class).run((context) -> {
			assertThat(context).hasNotFailed();
			KeyspaceEventSubscription subscription = context.getBean(KeyspaceEventSubscription.class);
			assertThat(subscription.isSubscribed()).isFalse();
			try (RedisServerProcess redis = RedisServerProcess.startOnPort(port)) {
				await().atMost(Duration.ofSeconds(20)).until(subscription::isSubscribed);
				assertThat(RedisContextRunners.serverFlags(redis)).isEqualTo("$E");
				StringRedisTemplate redisTemplate = context.getBean(StringRedisTemplate.class);
				EventRecorder recorder = context.getBean(EventRecorder.class);
				await().untilAsserted(() -> {
					redisTemplate.opsForValue().set("order:late", "x");
					assertThat(recorder.received()).contains("set order:late");
				});
			}
		});
	}

	@Test
	void anUnreachableRedisIsLoggedFirstThenAtAFallingRate(CapturedOutput output) {
		RedisServerProcess probe = RedisServerProcess.start();
		int port = probe.port();
		probe.close();
		RedisContextRunners.againstPort(port)
			.withUserConfiguration(Handlers.class)
			.withPropertyValues("keyspace-events.retry.initial-interval=10ms", "keyspace-events.retry.max-interval=20ms")
			.run((context) -> {
				await().atMost(Duration.ofSeconds(30)).until(() -> output.getAll().contains("(attempt 16,"));
				assertThat(output.getAll()).contains("Redis at 127.0.0.1:" + port + " is not reachable")
					.contains("(attempt 1,", "(attempt 2,", "(attempt 4,", "(attempt 8,")
					.doesNotContain("(attempt 3,", "(attempt 5,", "(attempt 7,", "(attempt 9,", "(attempt 15,");
			});
	}

	@Test
	void aHungRedisAtStartupIsRetriedAndTheFlagsAreStillMergedOnceItAnswers() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			redis.suspend();
			try {
				RedisContextRunners.against(redis)
					.withUserConfiguration(Handlers.class)
					.withPropertyValues("spring.data.redis.timeout=300ms", "spring.data.redis.connect-timeout=300ms")
					.run((context) -> {
						assertThat(context).hasNotFailed();
						KeyspaceEventSubscription subscription = context.getBean(KeyspaceEventSubscription.class);
						assertThat(subscription.isSubscribed()).isFalse();
						redis.resume();
						await().atMost(Duration.ofSeconds(30)).until(subscription::isSubscribed);
						// A timeout is not a refusal: the starter still writes the flags.
						assertThat(subscription.status().flagsState()).isEqualTo("APPLIED");
						assertThat(RedisContextRunners.serverFlags(redis)).isEqualTo("$E");
					});
			}
			finally {
				redis.resume();
			}
		}
	}

	@Test
	void failFastMakesAnUnreachableRedisFailStartup() {
		RedisServerProcess probe = RedisServerProcess.start();
		int port = probe.port();
		probe.close();
		RedisContextRunners.againstPort(port)
			.withUserConfiguration(Handlers.class)
			.withPropertyValues("keyspace-events.fail-fast=true")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("Redis at 127.0.0.1:" + port + " is not reachable and keyspace-events.fail-fast is true")
				.hasStackTraceContaining("127.0.0.1:" + port));
	}


	@Configuration(proxyBeanMethods = false)
	static class Handlers {

		private final EventRecorder recorder = new EventRecorder();

		@Bean
		EventRecorder eventRecorder() {
			return this.recorder;
		}

		@OnKeyEvent(value = "order:*", events = "set")
		void onSet(KeyspaceEvent event) {
			this.recorder.record(event.event() + " " + event.key());
		}

	}

	private static String runId(RedisServerProcess redis) {
		String info = String.valueOf(redis.command("INFO", "server"));
		String tail = info.substring(info.indexOf("run_id:") + "run_id:".length());
		return tail.substring(0, tail.indexOf('\r'));
	}

}
