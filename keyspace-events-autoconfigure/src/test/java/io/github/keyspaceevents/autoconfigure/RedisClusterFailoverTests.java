package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.launcher.RedisClusterProcesses;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tracked expirations survive a master failover: entries the replicas hold are all handled, each once.
 */
class RedisClusterFailoverTests {

	@Test
	void noTrackedExpirationIsLostOrDuplicatedWhenAMasterFailsOver() {
		try (RedisClusterProcesses cluster = RedisClusterProcesses.start(3)) {
			new ApplicationContextRunner()
				.withConfiguration(
						AutoConfigurations.of(DataRedisAutoConfiguration.class, KeyspaceEventsAutoConfiguration.class))
				.withUserConfiguration(Handlers.class)
				.withPropertyValues("spring.data.redis.cluster.nodes=" + cluster.nodeAddresses(),
						"spring.data.redis.timeout=2s")
				.run((context) -> {
					await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
					TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
					// Due after the failover, spread over every shard and so over every master.
					Instant deadline = Instant.now().plusSeconds(4);
					for (int i = 0; i < 300; i++) {
						tracked.expireAt("invoice:" + i, "v" + i, deadline.plusMillis(i));
					}
					cluster.awaitReplicasInSync();
					cluster.killMasterAndAwaitFailover(cluster.currentMasters().get(0));
					await().atMost(Duration.ofSeconds(60)).until(() -> Handlers.handled.size() == 300);
					assertThat(Handlers.handled).allSatisfy((key, count) -> assertThat(count.get()).isOne());
				});
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class Handlers {

		static final Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();

		@OnKeyExpired("invoice:*")
		void expired(KeyspaceEvent event) {
			handled.computeIfAbsent(event.key(), (key) -> new AtomicInteger()).incrementAndGet();
		}

	}

}
