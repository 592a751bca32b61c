package io.github.keyspaceevents.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.handler.KeyspaceEventHandlerRegistry;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import static org.awaitility.Awaitility.await;

/**
 * Application instances against one real Redis, each started as a Spring Boot application would be, for tests where
 * several live side by side and stop in the middle.
 */
final class Instances {

	private Instances() {
	}

	/**
	 * Start an instance and wait until its subscription is made.
	 * @param redis the Redis it uses
	 * @param handlers configuration holding its handlers
	 * @param properties extra properties, {@code name=value}
	 * @return the running context; close it to stop the instance
	 */
	static ConfigurableApplicationContext start(RedisServerProcess redis, Class<?> handlers, String... properties) {
		List<String> all = new ArrayList<>(List.of("spring.data.redis.host=127.0.0.1",
				"spring.data.redis.port=" + redis.port(), "keyspace-events.retry.initial-interval=100ms",
				"keyspace-events.retry.max-interval=500ms", "spring.main.banner-mode=off"));
		all.addAll(List.of(properties));
		ConfigurableApplicationContext context = new SpringApplicationBuilder(Starter.class, handlers)
			.web(WebApplicationType.NONE)
			.properties(all.toArray(String[]::new))
			.run();
		KeyspaceEventSubscription subscription = context.getBean(KeyspaceEventSubscription.class);
		if (!context.getBean(KeyspaceEventHandlerRegistry.class).handlers().isEmpty()) {
			await().until(subscription::isSubscribed);
		}
		return context;
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ DataRedisAutoConfiguration.class, KeyspaceEventsAutoConfiguration.class })
	static class Starter {

	}

}
