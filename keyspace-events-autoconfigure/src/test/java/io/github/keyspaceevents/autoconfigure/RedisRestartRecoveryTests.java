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
import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.lettuce.core.resource.Delay;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Redis restart (AOF, about 5 s down) under three instances with 5 s leases: every tracked expiry due while Redis
 * was away is handled, and how soon handling resumes, and how many ran twice, is printed (the README's fault figures),
 * with the client's reconnect delay capped (the default) and with Lettuce's own.
 */
class RedisRestartRecoveryTests {

	private static final int KEYS = 300;

	@ParameterizedTest(name = "keyspace-events.client-reconnect-delay={0}")
	@ValueSource(strings = { "1s", "0" })
	void expiriesDueDuringARestartAreHandledOnceAfterIt(String reconnectDelay) throws InterruptedException {
		Handled.reset();
		try (RedisServerProcess redis = RedisServerProcess.start("--appendonly", "yes", "--appendfsync", "always")) {
			List<ConfigurableApplicationContext> instances = new ArrayList<>();
			try {
				for (int i = 0; i < 3; i++) {
					instances.add(Instances.start(redis, Handled.class, "keyspace-events.tracking.lease=5s",
							"keyspace-events.client-reconnect-delay=" + reconnectDelay));
				}
				TrackedExpirations tracked = instances.get(0).getBean(TrackedExpirations.class);
				Instant start = Instant.now();
				List<Expiry> expiries = new ArrayList<>();
				for (int i = 0; i < KEYS; i++) {
					// Due from 0.5 s to 4.5 s from now: most while Redis is away.
					expiries.add(new Expiry("order:" + i, null, start.plusMillis(500 + 4_000L * i / KEYS)));
				}
				tracked.expireAtAll(expiries);
				await().until(() -> Handled.count() > 0);
				redis.stop();
				// The outage itself: Redis stays away this long, whatever the clients do meanwhile.
				Thread.sleep(5_000);
				redis.startAgain();
				long backNanos = System.nanoTime();
				int handledBefore = Handled.count();
				await().atMost(Duration.ofSeconds(60)).until(() -> Handled.count() > handledBefore);
				long firstAfterMillis = (Handled.firstAfter(backNanos) - backNanos) / 1_000_000;
				await().atMost(Duration.ofSeconds(60)).until(() -> Handled.keys.size() == KEYS);
				long allAfterMillis = (Handled.lastNanos() - backNanos) / 1_000_000;
				// Every expiry is handled. One whose handler had run when Redis went away, and whose lease lapsed
				// before its outcome could be written (the outage is as long as the lease), may run again elsewhere:
				// at least once across a lapse, as the README says.
				assertThat(Handled.keys).hasSize(KEYS);
				long twice = Handled.keys.values().stream().filter((count) -> count.get() > 1).count();
				System.out.printf("Redis restart (AOF, 5 s down), 3 instances, leases 5 s, "
						+ "keyspace-events.client-reconnect-delay=%s: %d of %d expiries handled before the outage; "
						+ "handling resumed %d ms after Redis accepted connections, all handled %d ms after; "
						+ "worst expiry %d ms late; %d handled twice%n", reconnectDelay, handledBefore, KEYS,
						firstAfterMillis, allAfterMillis, Handled.worstLateMillis(), twice);
			}
			finally {
				instances.forEach(ConfigurableApplicationContext::close);
			}
		}
	}

	@Test
	void theCappedReconnectDelayNeverExceedsItsMaximum() {
		Delay delay = KeyspaceEventsAutoConfiguration.ClientReconnectConfiguration
			.reconnectDelay(Duration.ofSeconds(1));
		for (long attempt = 1; attempt < 64; attempt++) {
			assertThat(delay.createDelay(attempt)).isBetween(Duration.ZERO, Duration.ofSeconds(1));
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class Handled {

		static final Map<String, AtomicInteger> keys = new ConcurrentHashMap<>();

		static final Map<String, Long> handledNanos = new ConcurrentHashMap<>();

		static final Map<String, Long> lateMillis = new ConcurrentHashMap<>();

		static void reset() {
			keys.clear();
			handledNanos.clear();
			lateMillis.clear();
		}

		static int count() {
			return keys.size();
		}

		static long firstAfter(long nanos) {
			return handledNanos.values().stream().filter((at) -> at - nanos > 0).min(Long::compare).orElseThrow();
		}

		static long lastNanos() {
			return handledNanos.values().stream().max(Long::compare).orElseThrow();
		}

		static long worstLateMillis() {
			return lateMillis.values().stream().max(Long::compare).orElse(0L);
		}

		@OnKeyExpired("order:*")
		void expired(KeyspaceEvent event) {
			long now = System.nanoTime();
			handledNanos.merge(event.key(), now, Math::max);
			keys.computeIfAbsent(event.key(), (key) -> new AtomicInteger()).incrementAndGet();
			if (event.deadline() != null) {
				lateMillis.put(event.key(), Duration.between(event.deadline(), Instant.now()).toMillis());
			}
		}

	}

}
