package io.github.keyspaceevents.autoconfigure;

import io.github.keyspaceevents.annotation.OnKeyEvicted;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import org.junit.jupiter.api.Test;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Keys evicted under a maxmemory policy reach {@link OnKeyEvicted} handlers.
 */
class EvictionEventTests {

	@Test
	void evictedKeysReachTheEvictedHandler() {
		try (RedisServerProcess redis = RedisServerProcess.start("--maxmemory", "4mb", "--maxmemory-policy",
				"allkeys-lru")) {
			RedisContextRunners.against(redis).withUserConfiguration(Handlers.class).run((context) -> {
				await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
				StringRedisTemplate redisTemplate = context.getBean(StringRedisTemplate.class);
				byte[] value = new byte[10_000];
				redisTemplate.execute((RedisCallback<Object>) (connection) -> {
					for (int i = 0; i < 2_000; i++) {
						connection.stringCommands().set(("cache:" + i).getBytes(), value);
					}
					return null;
				});
				EventRecorder recorder = context.getBean(EventRecorder.class);
				await().untilAsserted(() -> assertThat(recorder.received()).isNotEmpty()
					.allMatch((entry) -> entry.startsWith("evicted cache:")));
			});
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class Handlers {

		private final EventRecorder recorder = new EventRecorder();

		@Bean
		EventRecorder eventRecorder() {
			return this.recorder;
		}

		@OnKeyEvicted("cache:*")
		void evicted(String key) {
			this.recorder.record("evicted " + key);
		}

	}

}
