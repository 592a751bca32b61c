package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.keyspaceevents.annotation.OnKeyEvent;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * When handlers fall behind, events are dropped rather than blocking the Redis I/O thread, and the log ends with the
 * burst's final total.
 */
@ExtendWith(OutputCaptureExtension.class)
class BackPressureTests {

	@Test
	void aBurstThatOverflowsTheLaneIsDroppedAndItsFinalTotalReported(CapturedOutput output) {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			RedisContextRunners.against(redis)
				.withUserConfiguration(BlockedHandler.class)
				.withPropertyValues("keyspace-events.dispatch.concurrency=1", "keyspace-events.dispatch.queue-capacity=10",
						"keyspace-events.tracking.enabled=false")
				.run((context) -> {
					KeyspaceEventSubscription subscription = context.getBean(KeyspaceEventSubscription.class);
					await().until(subscription::isSubscribed);
					for (int i = 0; i < 100; i++) {
						redis.command("SET", "burst:" + i, "x");
					}
					await().until(() -> subscription.droppedEvents() >= 100 - 11);
					BlockedHandler.release.countDown();
					long total = subscription.droppedEvents();
					await().atMost(Duration.ofSeconds(30))
						.until(() -> output.getAll().contains("Keyspace events dropped so far: " + total + " ("));
				});
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class BlockedHandler {

		static final CountDownLatch release = new CountDownLatch(1);

		@OnKeyEvent(value = "burst:*", events = "set")
		void set(String key) throws InterruptedException {
			release.await(30, TimeUnit.SECONDS);
		}

	}

}
