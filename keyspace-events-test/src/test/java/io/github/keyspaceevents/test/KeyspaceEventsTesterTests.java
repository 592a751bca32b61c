package io.github.keyspaceevents.test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.annotation.KeyVariable;
import io.github.keyspaceevents.annotation.OnKeyEvent;
import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.annotation.TrackedValue;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * A user's test, as the README shows it: a real redis-server, handlers awaited rather than slept for.
 */
@SpringBootTest(properties = { "spring.data.redis.port=1", "keyspace-events.tracking.idle-poll=10s" })
@AutoConfigureRedisServer
class KeyspaceEventsTesterTests {

	@Autowired
	private StringRedisTemplate redis;

	@Autowired
	private TrackedExpirations tracked;

	@Autowired
	private KeyspaceEventsTester tester;

	@Autowired
	private Handlers handlers;

	@BeforeEach
	void reset() {
		this.tester.awaitIdle(Duration.ofSeconds(10));
		this.handlers.received.clear();
	}

	@Test
	void bootsRedisConnectionPointsAtTheTestRunsServer(@Autowired RedisConnectionFactory connectionFactory) {
		assertThat(((LettuceConnectionFactory) connectionFactory).getPort()).isEqualTo(SharedRedisServer.get().port());
	}

	@Test
	void awaitIdleReturnsOnceEveryEventPublishedBeforeItWasHandled() {
		this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
			for (int i = 0; i < 2_000; i++) {
				connection.stringCommands().set(("cart:" + i).getBytes(), "x".getBytes());
			}
			return null;
		});
		this.tester.awaitIdle(Duration.ofSeconds(10));
		assertThat(this.handlers.received).hasSize(2_000);
	}

	@Test
	void awaitIdleWaitsForSlowHandlers() {
		for (int i = 0; i < 20; i++) {
			this.redis.opsForValue().set("slow:" + i, "x");
		}
		this.tester.awaitIdle(Duration.ofSeconds(10));
		assertThat(this.handlers.received).hasSize(20).allMatch((entry) -> entry.startsWith("slow "));
	}

	@Test
	void expireNowRunsATrackedExpiryThroughTheLedgerAndHandlers() {
		this.tracked.expireAt("order:42", new Order("ann", 3), Instant.now().plus(Duration.ofHours(1)));
		this.tester.awaitIdle(Duration.ofSeconds(10));
		assertThat(this.handlers.received).isEmpty();
		this.tester.expireNow("order:42");
		this.tester.awaitIdle(Duration.ofSeconds(10));
		assertThat(this.handlers.received).containsExactly("expired 42 Order[customer=ann, items=3]");
		assertThat(this.redis.hasKey("order:42")).isFalse();
	}

	@Test
	void expireNowRefusesAKeyThatIsNotTracked() {
		this.redis.opsForValue().set("order:plain", "x");
		assertThatIllegalArgumentException().isThrownBy(() -> this.tester.expireNow("order:plain"))
			.withMessageContaining("'order:plain' is not tracked");
	}

	@Test
	void awaitIdleFailsWhenHandlersDoNotFinishInTime() {
		this.redis.opsForValue().set("slow:late", "x");
		this.redis.opsForValue().set("stuck:1", "x");
		org.assertj.core.api.Assertions.assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> this.tester.awaitIdle(Duration.ofMillis(100)))
			.withMessageContaining("were not all handled within PT0.1S");
		this.handlers.release();
		this.tester.awaitIdle(Duration.ofSeconds(10));
		assertThat(this.handlers.received).contains("slow slow:late", "stuck stuck:1");
	}

	record Order(String customer, int items) {
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ShopApplication {

		@Bean
		Handlers handlers() {
			return new Handlers();
		}

	}

	static class Handlers {

		final List<String> received = new CopyOnWriteArrayList<>();

		private final java.util.concurrent.CountDownLatch stuck = new java.util.concurrent.CountDownLatch(1);

		void release() {
			this.stuck.countDown();
		}

		@OnKeyEvent(value = "cart:*", events = "set")
		void cart(String key) {
			this.received.add(key);
		}

		@OnKeyEvent(value = "slow:*", events = "set")
		void slow(String key) throws InterruptedException {
			Thread.sleep(20);
			this.received.add("slow " + key);
		}

		@OnKeyEvent(value = "stuck:*", events = "set")
		void stuck(String key) throws InterruptedException {
			this.stuck.await();
			this.received.add("stuck " + key);
		}

		@OnKeyExpired("order:{id}")
		void expired(@KeyVariable("id") long id, @TrackedValue Order order) {
			this.received.add("expired " + id + " " + order);
		}

	}

}
