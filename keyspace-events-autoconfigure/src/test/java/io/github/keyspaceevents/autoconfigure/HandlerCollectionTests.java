package io.github.keyspaceevents.autoconfigure;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.keyspaceevents.KeyspaceEventHandler;
import io.github.keyspaceevents.KeyspaceEventsConfigurationException;
import io.github.keyspaceevents.annotation.OnKeyDeleted;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.handler.KeyspaceEventHandlerRegistry;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.context.annotation.Scope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Which beans' handlers are collected: every singleton's, even under global lazy initialization; beans whose handlers
 * could never be subscribed (prototype or other scopes, explicitly {@code @Lazy}) fail startup naming the bean.
 */
class HandlerCollectionTests {

	// Started once for the class, closed (killed) after its last test.
	@AutoClose
	private static final RedisServerProcess redis = RedisServerProcess.start();

	private static ApplicationContextRunner runner() {
		return RedisContextRunners.against(redis);
	}

	@Test
	void handlersOfSingletonsAreCollectedAndDeliveredUnderGlobalLazyInitialization() {
		runner().withInitializer((context) -> context
			.addBeanFactoryPostProcessor(new LazyInitializationBeanFactoryPostProcessor()))
			.withUserConfiguration(SingletonHandlers.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				List<KeyspaceEventHandler> handlers = context.getBean(KeyspaceEventHandlerRegistry.class).handlers();
				assertThat(handlers).extracting(KeyspaceEventHandler::beanName).containsExactly("handlers");
				KeyspaceEventSubscription subscription = context.getBean(KeyspaceEventSubscription.class);
				await().until(subscription::isSubscribed);
				redis.command("SET", "cart:1", "x");
				redis.command("DEL", "cart:1");
				await().until(() -> context.getBean(Handlers.class).deleted.contains("cart:1"));
			});
	}

	@Test
	void aPrototypeHandlerBeanFailsStartupNamingIt() {
		runner().withUserConfiguration(PrototypeHandlers.class)
			.run((context) -> assertThat(context).getFailure()
				.isInstanceOf(KeyspaceEventsConfigurationException.class)
				.hasMessageContaining("Bean 'handlers'")
				.hasMessageContaining("prototype-scoped"));
	}

	@Test
	void anExplicitlyLazyHandlerBeanFailsStartupNamingIt() {
		runner().withUserConfiguration(LazyHandlers.class)
			.run((context) -> assertThat(context).getFailure()
				.isInstanceOf(KeyspaceEventsConfigurationException.class)
				.hasMessageContaining("Bean 'handlers'")
				.hasMessageContaining("@Lazy"));
	}

	static class Handlers {

		final List<String> deleted = new CopyOnWriteArrayList<>();

		@OnKeyDeleted("cart:*")
		void deleted(String key) {
			this.deleted.add(key);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SingletonHandlers {

		@Bean
		Handlers handlers() {
			return new Handlers();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class PrototypeHandlers {

		@Bean
		@Scope(ConfigurableBeanFactory.SCOPE_PROTOTYPE)
		Handlers handlers() {
			return new Handlers();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class LazyHandlers {

		@Bean
		@Lazy
		Handlers handlers() {
			return new Handlers();
		}

	}

}
