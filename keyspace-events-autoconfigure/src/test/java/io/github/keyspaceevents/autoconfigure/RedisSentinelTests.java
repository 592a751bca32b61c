package io.github.keyspaceevents.autoconfigure;

import java.util.List;

import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Sentinel-managed Redis works through Spring Data Redis' Sentinel support: the flags are set on the master the
 * Sentinel names, and its events arrive.
 */
class RedisSentinelTests {

	@Test
	void eventsOfTheMasterTheSentinelNamesArrive() {
		try (RedisServerProcess master = RedisServerProcess.start();
				RedisServerProcess sentinel = RedisServerProcess.startSentinel("shop", master)) {
			new ApplicationContextRunner()
				.withConfiguration(
						AutoConfigurations.of(DataRedisAutoConfiguration.class, KeyspaceEventsAutoConfiguration.class))
				.withUserConfiguration(ExpiredOrderRecorder.class)
				.withPropertyValues("spring.data.redis.sentinel.master=shop",
						"spring.data.redis.sentinel.nodes=" + sentinel.host() + ":" + sentinel.port())
				.run((context) -> {
					await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
					@SuppressWarnings("unchecked")
					List<String> flags = (List<String>) master.command("CONFIG", "GET", "notify-keyspace-events");
					assertThat(flags.get(1)).isEqualTo("xE");
					master.command("SET", "order:1", "x", "PX", "10");
					await().until(() -> context.getBean(EventRecorder.class).received().contains("order:1"));
				});
		}
	}

}
