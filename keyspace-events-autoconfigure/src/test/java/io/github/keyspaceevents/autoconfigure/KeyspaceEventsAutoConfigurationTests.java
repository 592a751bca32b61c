package io.github.keyspaceevents.autoconfigure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.ServerSocket;
import java.time.Duration;

import io.github.keyspaceevents.KeyspaceEventErrorHandler;
import io.github.keyspaceevents.KeyspaceEventHandler;
import io.github.keyspaceevents.annotation.OnKeyDeleted;
import io.github.keyspaceevents.annotation.OnKeyEvent;
import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.handler.KeyspaceEventHandlerRegistry;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import io.github.keyspaceevents.notification.NotificationMode;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.AliasFor;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Conditions, back-off, property binding and startup failures; Redis is never reached (a closed port).
 */
class KeyspaceEventsAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = RedisContextRunners.againstPort(closedPort());

	@Test
	void registersTheSubscriptionAndItsOwnContainer() {
		this.contextRunner.withUserConfiguration(ExpiryHandler.class).run((context) -> {
			assertThat(context).hasSingleBean(KeyspaceEventSubscription.class)
				.hasSingleBean(KeyspaceEventErrorHandler.class)
				.hasBean(KeyspaceEventsAutoConfiguration.CONTAINER_BEAN_NAME);
			assertThat(context.getBean(KeyspaceEventSubscription.class).channels())
				.containsExactly("__keyevent@0__:expired");
			assertThat(context.getBean(KeyspaceEventSubscription.class).requiredFlags()).isEqualTo("Ex");
		});
	}

	@Test
	void backsOffWhenDisabled() {
		this.contextRunner.withUserConfiguration(ExpiryHandler.class)
			.withPropertyValues("keyspace-events.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(KeyspaceEventSubscription.class)
				.doesNotHaveBean(KeyspaceEventHandlerRegistry.class));
	}

	@Test
	void backsOffWithoutARedisConnectionFactory() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(KeyspaceEventsAutoConfiguration.class))
			.withUserConfiguration(ExpiryHandler.class)
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(KeyspaceEventSubscription.class));
	}

	@Test
	void backsOffWithoutSpringDataRedis() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(KeyspaceEventsAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader(RedisMessageListenerContainer.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(KeyspaceEventSubscription.class));
	}

	@Test
	void backsOffWhenUserDefinesErrorHandlerAndContainer() {
		this.contextRunner.withUserConfiguration(ExpiryHandler.class, UserBeans.class).run((context) -> {
			assertThat(context.getBean(KeyspaceEventErrorHandler.class))
				.isSameAs(context.getBean(UserBeans.class).errorHandler);
			assertThat(context.getBean(KeyspaceEventsAutoConfiguration.CONTAINER_BEAN_NAME))
				.isSameAs(context.getBean(UserBeans.class).container);
		});
	}

	@Test
	void databaseDefaultsToTheOneSpringDataRedisSelects() {
		this.contextRunner.withUserConfiguration(ExpiryHandler.class)
			.withPropertyValues("spring.data.redis.database=3")
			.run((context) -> assertThat(context.getBean(KeyspaceEventSubscription.class).channels())
				.containsExactly("__keyevent@3__:expired"));
	}

	@Test
	void databasePropertyWins() {
		this.contextRunner.withUserConfiguration(ExpiryHandler.class)
			.withPropertyValues("spring.data.redis.database=3", "keyspace-events.database=5")
			.run((context) -> assertThat(context.getBean(KeyspaceEventSubscription.class).channels())
				.containsExactly("__keyevent@5__:expired"));
	}

	@Test
	void bindsProperties() {
		this.contextRunner
			.withPropertyValues("keyspace-events.notifications.mode=verify",
					"keyspace-events.notifications.extra-flags=Kg",
					"keyspace-events.notifications.check-interval=5s", "keyspace-events.dispatch.concurrency=3",
					"keyspace-events.dispatch.queue-capacity=50", "keyspace-events.fail-fast=false",
					"keyspace-events.tracking.namespace=orders", "keyspace-events.tracking.claim-ahead=0")
			.run((context) -> {
				KeyspaceEventsProperties properties = context.getBean(KeyspaceEventsProperties.class);
				assertThat(properties.getNotifications().getMode()).isEqualTo(NotificationMode.VERIFY);
				assertThat(properties.getNotifications().getExtraFlags()).isEqualTo("Kg");
				assertThat(properties.getNotifications().getCheckInterval()).isEqualTo(Duration.ofSeconds(5));
				assertThat(properties.getDispatch().getConcurrency()).isEqualTo(3);
				assertThat(properties.getDispatch().getQueueCapacity()).isEqualTo(50);
				TrackedExpirationsProperties tracking = context.getBean(TrackedExpirationsProperties.class);
				assertThat(tracking.getNamespace()).isEqualTo("orders");
				assertThat(tracking.getClaimAhead()).isZero();
			});
	}

	@Test
	void extraFlagsJoinTheRequiredFlags() {
		this.contextRunner.withUserConfiguration(ExpiryHandler.class)
			.withPropertyValues("keyspace-events.notifications.extra-flags=Kg")
			.run((context) -> assertThat(context.getBean(KeyspaceEventSubscription.class).requiredFlags())
				.isEqualTo("KEgx"));
	}

	@Test
	void invalidFlagLettersFailStartupListingTheValidOnes() {
		this.contextRunner.withUserConfiguration(ExpiryHandler.class)
			.withPropertyValues("keyspace-events.notifications.extra-flags=Kq")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessage("keyspace-events.notifications.extra-flags contains invalid notify-keyspace-events "
						+ "letter(s) [q]; valid letters are KEg$lshzxetdmnocA"));
	}

	@Test
	void nonPositiveConcurrencyFailsStartupNamingTheProperty() {
		this.contextRunner.withUserConfiguration(ExpiryHandler.class)
			.withPropertyValues("keyspace-events.dispatch.concurrency=0")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessage("keyspace-events.dispatch.concurrency must be at least 1, was 0"));
	}

	@Test
	void unsupportedParameterFailsStartupNamingBeanMethodAndParameter() {
		this.contextRunner.withUserConfiguration(UnsupportedParameterHandler.class)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("Keyspace event handler ")
				.hasMessageContaining("UnsupportedParameterHandler.expired(String, Long)")
				.hasMessageContaining("parameter 1 ('orderId' of type java.lang.Long) is not supported"));
	}

	@Test
	void unknownEventFailsStartupListingTheKnownOnes() {
		this.contextRunner.withUserConfiguration(UnknownEventHandler.class)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("UnknownEventHandler.changed()")
				.hasMessageContaining("'expird' is not a Redis keyspace event; known events are [")
				.hasMessageContaining("expired"));
	}

	@Test
	void missingPatternFailsStartup() {
		this.contextRunner.withUserConfiguration(NoPatternHandler.class)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("NoPatternHandler.expired()")
				.hasMessageContaining("@OnKeyExpired declares no key pattern; use \"*\" to handle every key"));
	}

	@Test
	void placeholdersInPatternsResolveFromTheEnvironment() {
		this.contextRunner.withUserConfiguration(PlaceholderHandler.class)
			.withPropertyValues("shop.order-prefix=order")
			.run((context) -> assertThat(handlers(context.getBean(KeyspaceEventHandlerRegistry.class)))
				.containsExactly("[order:*] [expired]"));
	}

	@Test
	void composedRepeatedAndMetaAnnotationsEachRegisterAHandler() {
		this.contextRunner.withUserConfiguration(ComposedHandlers.class)
			.run((context) -> assertThat(handlers(context.getBean(KeyspaceEventHandlerRegistry.class)))
				.containsExactlyInAnyOrder("[a:*] [expired]", "[b:*] [expired]", "[c:*] [del]",
						"[order:*] [expired]", "[x:*, y:*] [set, hset]"));
	}

	private static java.util.List<String> handlers(KeyspaceEventHandlerRegistry registry) {
		return registry.handlers().stream().map((KeyspaceEventHandler h) -> h.patterns() + " " + h.events()).toList();
	}

	private static int closedPort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class ExpiryHandler {

		@OnKeyExpired("order:*")
		void expired(String key) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserBeans {

		final KeyspaceEventErrorHandler errorHandler = (event, handler, error) -> {
		};

		final RedisMessageListenerContainer container = new RedisMessageListenerContainer();

		@Bean
		KeyspaceEventErrorHandler customErrorHandler() {
			return this.errorHandler;
		}

		@Bean(KeyspaceEventsAutoConfiguration.CONTAINER_BEAN_NAME)
		RedisMessageListenerContainer customContainer(
				org.springframework.data.redis.connection.RedisConnectionFactory connectionFactory) {
			this.container.setConnectionFactory(connectionFactory);
			this.container.setAutoStartup(false);
			return this.container;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UnsupportedParameterHandler {

		@OnKeyExpired("order:*")
		void expired(String key, Long orderId) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UnknownEventHandler {

		@OnKeyEvent(value = "order:*", events = "expird")
		void changed() {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class NoPatternHandler {

		@OnKeyExpired
		void expired() {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class PlaceholderHandler {

		@OnKeyExpired("${shop.order-prefix}:*")
		void expired() {
		}

	}

	@Target(ElementType.METHOD)
	@Retention(RetentionPolicy.RUNTIME)
	@OnKeyExpired
	@interface OnExpiry {

		@AliasFor(annotation = OnKeyExpired.class, attribute = "value")
		String[] value();

	}

	@Configuration(proxyBeanMethods = false)
	static class ComposedHandlers {

		@OnKeyExpired("a:*")
		@OnKeyExpired("b:*")
		@OnKeyDeleted("c:*")
		void repeated(String key) {
		}

		@OnExpiry("order:*")
		void meta() {
		}

		@OnKeyEvent(value = { "x:*", "y:*" }, events = { "set", "hset" })
		void general() {
		}

	}

}
