package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.annotation.OnKeyEvent;
import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import org.junit.jupiter.api.Test;

import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With {@code spring.threads.virtual.enabled=true}, handlers of plain and tracked events run on virtual threads where
 * the JDK has them (21 and later), and on the lanes' platform threads on Java 17, where Boot ignores the property.
 */
class VirtualThreadsTests {

	@Test
	void handlersRunOnVirtualThreadsWhereTheJdkHasThemAndTheApplicationEnablesThem() {
		Handlers.threads.clear();
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			RedisContextRunners.against(redis)
				.withUserConfiguration(Handlers.class)
				.withPropertyValues("spring.threads.virtual.enabled=true")
				.run((context) -> {
					await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
					redis.command("SET", "plain:1", "x");
					context.getBean(TrackedExpirations.class).expireAfter("order:1", "v", Duration.ofMillis(10));
					await().until(() -> Handlers.threads.size() == 2);
					boolean virtualThreadsExist = Runtime.version().feature() >= 21;
					assertThat(Handlers.threads).allSatisfy((key, thread) -> assertThat(isVirtual(thread)).as(key)
						.isEqualTo(virtualThreadsExist));
				});
		}
	}

	// Thread.isVirtual() exists from Java 21 on; this code compiles for 17.
	private static boolean isVirtual(Thread thread) {
		try {
			return (boolean) Thread.class.getMethod("isVirtual").invoke(thread);
		}
		catch (NoSuchMethodException ex) {
			return false;
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class Handlers {

		static final Map<String, Thread> threads = new ConcurrentHashMap<>();

		@OnKeyEvent(value = "plain:*", events = "set")
		void set(String key) {
			threads.put(key, Thread.currentThread());
		}

		@OnKeyExpired("order:*")
		void expired(String key) {
			threads.put(key, Thread.currentThread());
		}

	}

}
