package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.TrackedExpirations.Expiry;
import io.github.keyspaceevents.annotation.OnKeyEvent;
import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.launcher.RedisClusterProcesses;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real Redis Cluster (3 masters, 3 replicas) on loopback: events from every master arrive once, keep arriving after a
 * failover, and tracked expirations work per shard.
 */
class RedisClusterTests {

	// Started once for the class, closed (killed) after its last test.
	@AutoClose
	private static final RedisClusterProcesses cluster = RedisClusterProcesses.start(3);

	@BeforeEach
	void reset() {
		Handlers.received.clear();
	}

	@Test
	void eventsFromEveryMasterArriveExactlyOnceAndKeepArrivingAfterAFailover() {
		runner().run((context) -> {
			KeyspaceEventSubscription subscription = context.getBean(KeyspaceEventSubscription.class);
			await().until(subscription::isSubscribed);
			assertThat(subscription.status().nodes()).hasSize(6);
			assertThat(subscription.status().nodes().values()).filteredOn((node) -> node.startsWith("master, subscribed"))
				.hasSize(3);
			// Replicas too, so that a promoted one already publishes; with Jedis, once its client has met them.
			await().untilAsserted(() -> assertThat(subscription.status().nodes().values())
				.allMatch((node) -> node.endsWith("flags APPLIED") || node.endsWith("flags COVERED")));
			for (RedisServerProcess node : cluster.nodes()) {
				assertThat(String.valueOf(node.command("CONFIG", "GET", "notify-keyspace-events"))).contains("$")
					.contains("x");
			}
			assertThat(context.getBean(RedisConnectionFactory.class).getClass().getSimpleName())
				.startsWith(Clients.JEDIS ? "Jedis" : "Lettuce");
			StringRedisTemplate redis = context.getBean(StringRedisTemplate.class);
			for (int i = 0; i < 300; i++) {
				redis.opsForValue().set("order:" + i, "x");
			}
			await().until(() -> Handlers.received.size() == 300);
			// Later writes on every slot range: once they are in, a duplicate of the first ones would be too.
			for (int i = 0; i < 30; i++) {
				redis.opsForValue().set("order:barrier:" + i, "x");
			}
			await().until(() -> Handlers.received.size() == 330);
			assertThat(Handlers.received).hasSize(330).allSatisfy((key, count) -> assertThat(count.get()).isOne());

			cluster.killMasterAndAwaitFailover(cluster.currentMasters().get(0));
			Handlers.received.clear();
			// Writes fail while clients learn the new topology; keep writing until events flow again.
			await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
				for (int i = 0; i < 300; i++) {
					redis.opsForValue().set("order:after:" + i, "x");
				}
				assertThat(Handlers.received.keySet().stream().filter((key) -> key.startsWith("order:after:")))
					.hasSize(300);
			});
		});
	}

	@Test
	void trackedExpirationsAreHandledOncePerShardAcrossTheCluster() {
		runner().run((context) -> {
			await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
			TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
			Instant deadline = Instant.now().plusMillis(500);
			for (int i = 0; i < 200; i++) {
				tracked.expireAt("invoice:" + i, "v" + i, deadline.plusMillis(i));
			}
			// And in one batch: one call per shard, each in its own slot.
			List<Expiry> batch = new ArrayList<>();
			for (int i = 200; i < 400; i++) {
				batch.add(new Expiry("invoice:" + i, "v" + i, deadline.plusMillis(i)));
			}
			tracked.expireAtAll(batch);
			await().atMost(Duration.ofSeconds(20)).until(() -> Handlers.expired.size() == 400);
			assertThat(Handlers.expired).allSatisfy((key, count) -> assertThat(count.get()).isOne());
		});
	}

	private static ApplicationContextRunner runner() {
		return new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(DataRedisAutoConfiguration.class, KeyspaceEventsAutoConfiguration.class))
			.withUserConfiguration(Handlers.class)
			.withPropertyValues("spring.data.redis.cluster.nodes=" + cluster.nodeAddresses(),
					"spring.data.redis.timeout=5s", "keyspace-events.notifications.check-interval=1s");
	}

	@Configuration(proxyBeanMethods = false)
	static class Handlers {

		static final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();

		static final Map<String, AtomicInteger> expired = new ConcurrentHashMap<>();

		@OnKeyEvent(value = "order:*", events = "set")
		void set(KeyspaceEvent event) {
			received.computeIfAbsent(event.key(), (key) -> new AtomicInteger()).incrementAndGet();
		}

		@OnKeyExpired("invoice:*")
		void expired(KeyspaceEvent event) {
			if (("v" + event.key().substring("invoice:".length())).equals(event.value())) {
				expired.computeIfAbsent(event.key(), (key) -> new AtomicInteger()).incrementAndGet();
			}
		}

	}

}
