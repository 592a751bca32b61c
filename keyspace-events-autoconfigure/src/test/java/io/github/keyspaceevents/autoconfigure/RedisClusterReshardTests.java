package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.annotation.OnKeyEvent;
import io.github.keyspaceevents.launcher.RedisClusterProcesses;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A master added to a running Redis Cluster by resharding gets the flags and the subscription, and its keys' events
 * arrive exactly once like every other master's.
 */
class RedisClusterReshardTests {

	@Test
	void aMasterAddedByReshardingIsSubscribedAndItsEventsArriveOnce() {
		try (RedisClusterProcesses cluster = RedisClusterProcesses.start(3)) {
			new ApplicationContextRunner()
				.withConfiguration(
						AutoConfigurations.of(DataRedisAutoConfiguration.class, KeyspaceEventsAutoConfiguration.class))
				.withUserConfiguration(Handlers.class)
				.withPropertyValues("spring.data.redis.cluster.nodes=" + cluster.nodeAddresses(),
						"spring.data.redis.timeout=5s", "keyspace-events.notifications.check-interval=1s")
				.run((context) -> {
					KeyspaceEventSubscription subscription = context.getBean(KeyspaceEventSubscription.class);
					await().until(() -> subscription.status().nodes().values().stream()
						.filter((node) -> node.startsWith("master, subscribed")).count() == 3);
					RedisServerProcess added = cluster.addMasterWithSlots(2000);
					String address = added.host() + ":" + added.port();

					// Found by the starter's look at the topology every second, without any command of the
					// application's going there.
					await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
						assertThat(subscription.status().nodes()).containsKey(address);
						assertThat(subscription.status().nodes().get(address)).startsWith("master, subscribed")
							.matches((node) -> node.endsWith("flags APPLIED") || node.endsWith("flags COVERED"));
					});
					StringRedisTemplate redis = context.getBean(StringRedisTemplate.class);
					assertThat(String.valueOf(added.command("CONFIG", "GET", "notify-keyspace-events"))).contains("$");

					long before = (Long) added.command("DBSIZE");
					for (int i = 0; i < 300; i++) {
						redis.opsForValue().set("order:after:" + i, "x");
					}
					assertThat((Long) added.command("DBSIZE")).as("keys on the new master").isGreaterThan(before);
					await().until(() -> Handlers.received.keySet().stream()
						.filter((key) -> key.startsWith("order:after:")).count() == 300);
					// Later writes on every slot range: once they are in, a duplicate of the first ones would be too.
					for (int i = 0; i < 30; i++) {
						redis.opsForValue().set("order:barrier:" + i, "x");
					}
					await().until(() -> Handlers.received.keySet().stream()
						.filter((key) -> key.startsWith("order:barrier:")).count() == 30);
					assertThat(Handlers.received).allSatisfy((key, count) -> assertThat(count.get()).isOne());
				});
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class Handlers {

		static final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();

		@OnKeyEvent(value = "order:*", events = "set")
		void set(KeyspaceEvent event) {
			received.computeIfAbsent(event.key(), (key) -> new AtomicInteger()).incrementAndGet();
		}

	}

}
