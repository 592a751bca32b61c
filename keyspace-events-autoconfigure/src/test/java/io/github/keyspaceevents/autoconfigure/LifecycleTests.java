package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.dispatch.DispatchMetrics;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The starter follows its application context's lifecycle: a stop and a start deliver each event once, and after
 * close no thread of the starter is left.
 */
class LifecycleTests {

	@Test
	void aStoppedAndRestartedContextDeliversEachEventOnceAndCloseLeavesNoThread() {
		Counted.handled.clear();
		Counted.received.set(0);
		// Threads other tests of this JVM may have left are not this context's.
		Set<Thread> before = starterThreads();
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			ConfigurableApplicationContext context = Instances.start(redis, Counted.class);
			context.stop();
			context.start();
			KeyspaceEventSubscription subscription = context.getBean(KeyspaceEventSubscription.class);
			await().until(subscription::isSubscribed);
			redis.command("SET", "order:plain", "x", "PX", "10");
			context.getBean(TrackedExpirations.class).expireAfter("order:tracked", "v", Duration.ZERO);
			await().until(() -> Counted.count("order:plain") == 1 && Counted.count("order:tracked") == 1);
			// A later event, so that any second delivery of the first ones would have arrived by now.
			redis.command("SET", "order:later", "x", "PX", "10");
			await().until(() -> Counted.count("order:later") == 1);
			assertThat(Counted.handled).allSatisfy((key, count) -> assertThat(count.get()).as(key).isEqualTo(1));
			// Received once each: no listener of the stopped run is still attached to the container.
			assertThat(Counted.received.get()).isEqualTo(2);
			context.close();
			await().until(() -> before.containsAll(starterThreads()));
		}
	}

	@Test
	void aStartThatFailsLeavesNoThread() {
		Set<Thread> before = starterThreads();
		RedisServerProcess probe = RedisServerProcess.start();
		int port = probe.port();
		probe.close();
		RedisContextRunners.againstPort(port)
			.withUserConfiguration(Counted.class)
			.withPropertyValues("keyspace-events.fail-fast=true")
			.run((context) -> assertThat(context).hasFailed());
		await().until(() -> before.containsAll(starterThreads()));
	}

	@Test
	void closeEndsTheHealthCheckAndHelperThreadsToo() {
		Set<Thread> before = starterThreads();
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			RedisContextRunners.against(redis)
				.withUserConfiguration(Counted.class)
				.withPropertyValues("keyspace-events.tracking.claim-ahead=1s")
				.run((context) -> {
					await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
					assertThat(context.getBean(KeyspaceEventsHealthIndicator.class).health(true).getStatus())
						.isEqualTo(org.springframework.boot.health.contributor.Status.UP);
					assertThat(starterThreads()).extracting(Thread::getName)
						.anyMatch((name) -> name.startsWith("keyspace-events-health-"));
					// Threads Boot makes virtual (spring.threads.virtual.enabled, Java 21+) are not listed.
					if (!context.getEnvironment().getProperty("spring.threads.virtual.enabled", Boolean.class, false)
							|| Runtime.version().feature() < 21) {
						assertThat(starterThreads()).extracting(Thread::getName)
							.contains("keyspace-events-expiry-starter");
					}
				});
			await().until(() -> before.containsAll(starterThreads()));
		}
	}

	private static Set<Thread> starterThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.isAlive() && thread.getName().startsWith("keyspace-events"))
			.collect(Collectors.toSet());
	}

	@Configuration(proxyBeanMethods = false)
	static class Counted {

		static final Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();

		static final AtomicInteger received = new AtomicInteger();

		@Bean
		DispatchMetrics receivedCounter() {
			return new DispatchMetrics() {
				@Override
				public void received(String event) {
					received.incrementAndGet();
				}
			};
		}

		static int count(String key) {
			AtomicInteger count = handled.get(key);
			return (count != null) ? count.get() : 0;
		}

		@OnKeyExpired("order:*")
		void expired(String key) {
			handled.computeIfAbsent(key, (k) -> new AtomicInteger()).incrementAndGet();
		}

	}

}
