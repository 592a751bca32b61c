package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import io.github.keyspaceevents.KeyspaceEventErrorHandler;
import io.github.keyspaceevents.KeyspaceEventsConfigurationException;
import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.TrackedValueCodec;
import io.github.keyspaceevents.dispatch.DispatchMetrics;
import io.github.keyspaceevents.handler.KeyspaceEventHandlerRegistry;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import io.github.keyspaceevents.subscription.SubscriptionSettings;
import io.github.keyspaceevents.tracking.ExpiryScheduler;
import io.github.keyspaceevents.tracking.JsonTrackedValueCodec;
import io.github.keyspaceevents.tracking.RedisTrackedExpirations;
import io.github.keyspaceevents.tracking.StringTrackedValueCodec;
import io.github.keyspaceevents.tracking.TrackingSettings;

import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.core.task.VirtualThreadTaskExecutor;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} that dispatches Redis
 * keyspace events to {@link io.github.keyspaceevents.annotation.OnKeyEvent @OnKeyEvent} methods.
 * <p>
 * Uses a listener container of its own, {@value #CONTAINER_BEAN_NAME}, rather than Boot's
 * {@code redisMessageListenerContainer}: that one runs each message on a new thread (or virtual thread), which costs
 * about 30x in throughput (see the README's benchmarks) and loses the per-key order. Ours delivers on the Redis I/O thread straight into the
 * per-key dispatch lanes. Define a bean with that name to customize it.
 */
@AutoConfiguration(after = { DataRedisAutoConfiguration.class, KeyspaceEventsMetricsAutoConfiguration.class })
@ConditionalOnClass(RedisMessageListenerContainer.class)
@ConditionalOnSingleCandidate(RedisConnectionFactory.class)
@ConditionalOnBooleanProperty(name = "keyspace-events.enabled", matchIfMissing = true)
@EnableConfigurationProperties({ KeyspaceEventsProperties.class, TrackedExpirationsProperties.class })
public final class KeyspaceEventsAutoConfiguration {

	/** Name of the listener container that carries keyspace events. */
	public static final String CONTAINER_BEAN_NAME = "keyspaceEventsListenerContainer";

	private static final boolean JEDIS_PRESENT = ClassUtils.isPresent("redis.clients.jedis.Jedis",
			KeyspaceEventsAutoConfiguration.class.getClassLoader());

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnMissingBean
	static KeyspaceEventHandlerRegistry keyspaceEventHandlerRegistry() {
		return new KeyspaceEventHandlerRegistry();
	}

	@Bean
	static LazyInitializationExcludeFilter keyspaceEventHandlerLazyInitializationExcludeFilter() {
		return KeyspaceEventHandlerRegistry.lazyInitializationExcludeFilter();
	}

	@Bean
	@ConditionalOnMissingBean(TrackedValueCodec.class)
	StringTrackedValueCodec keyspaceEventsTrackedValueCodec() {
		return new StringTrackedValueCodec();
	}

	@Bean
	@ConditionalOnMissingBean
	KeyspaceEventErrorHandler keyspaceEventErrorHandler() {
		return new LoggingKeyspaceEventErrorHandler();
	}

	@Bean(name = CONTAINER_BEAN_NAME)
	@ConditionalOnMissingBean(name = CONTAINER_BEAN_NAME)
	RedisMessageListenerContainer keyspaceEventsListenerContainer(RedisConnectionFactory connectionFactory,
			KeyspaceEventsProperties properties, Environment environment) {
		RedisMessageListenerContainer container = new RedisMessageListenerContainer();
		container.setConnectionFactory(connectionFactory);
		// Messages are matched and queued on the I/O thread; handlers run on the dispatch lanes.
		container.setTaskExecutor(new SyncTaskExecutor());
		SimpleAsyncTaskExecutor subscribing = new SimpleAsyncTaskExecutor("keyspace-events-subscribe-");
		subscribing.setVirtualThreads(Threading.VIRTUAL.isActive(environment));
		container.setSubscriptionExecutor(subscribing);
		ExponentialBackOff backOff = new ExponentialBackOff(properties.getRetry().getInitialInterval().toMillis(), 2.0);
		backOff.setMaxInterval(properties.getRetry().getMaxInterval().toMillis());
		container.setRecoveryBackoff(backOff);
		// Started by the subscription once Redis is reachable, so that an unreachable Redis does not block startup.
		container.setAutoStartup(false);
		return container;
	}

	@Bean
	@ConditionalOnMissingBean
	KeyspaceEventSubscription keyspaceEventSubscription(KeyspaceEventHandlerRegistry registry,
			RedisConnectionFactory connectionFactory,
			@Qualifier(CONTAINER_BEAN_NAME) RedisMessageListenerContainer container,
			KeyspaceEventsProperties properties, TrackedExpirationsProperties tracking,
			KeyspaceEventErrorHandler errorHandler, Environment environment, ObjectProvider<DispatchMetrics> metrics,
			TrackedValueCodec valueCodec, ObjectProvider<RedisTrackedExpirations> trackedExpirations,
			@TrackedExpirationsConnection ObjectProvider<RedisConnectionFactory> ledgerConnectionFactory) {
		KeyspaceEventsProperties.Dispatch dispatch = properties.getDispatch();
		int concurrency = positive((dispatch.getConcurrency() != null) ? dispatch.getConcurrency()
				: Math.max(2, Runtime.getRuntime().availableProcessors()), "keyspace-events.dispatch.concurrency");
		int maxConcurrency = positive((dispatch.getMaxConcurrency() != null) ? dispatch.getMaxConcurrency()
				: 8 * concurrency, "keyspace-events.dispatch.max-concurrency");
		if (maxConcurrency < concurrency) {
			throw new KeyspaceEventsConfigurationException(
					"keyspace-events.dispatch.max-concurrency must be at least keyspace-events.dispatch.concurrency ("
							+ concurrency + "), was " + maxConcurrency,
					"Raise keyspace-events.dispatch.max-concurrency, or remove it to use 8 x concurrency.");
		}
		SubscriptionSettings settings = new SubscriptionSettings(
				database(properties, connectionFactory), properties.getNotifications().getMode(),
				properties.getNotifications().getExtraFlags(),
				positive(properties.getNotifications().getCheckInterval(), "keyspace-events.notifications.check-interval"),
				concurrency, maxConcurrency, positive(dispatch.getQueueCapacity(), "keyspace-events.dispatch.queue-capacity"),
				laneThreads(environment), properties.isFailFast(),
				positive(properties.getRetry().getInitialInterval(), "keyspace-events.retry.initial-interval"),
				positive(properties.getRetry().getMaxInterval(), "keyspace-events.retry.max-interval"),
				notNegative(dispatch.getShutdownTimeout(), "keyspace-events.dispatch.shutdown-timeout"),
				metrics.getIfAvailable(() -> DispatchMetrics.NONE), tracking.getNamespace(), valueCodec);
		KeyspaceEventSubscription subscription = new KeyspaceEventSubscription(registry, connectionFactory, container,
				settings, errorHandler);
		// Where the server may evict the ledger, its evictions are reported (when it is this subscription's server).
		if (ledgerConnectionFactory.getIfAvailable() == null) {
			trackedExpirations.ifAvailable((tracked) -> subscription.watch("evicted", tracked::evictionListener));
		}
		return subscription;
	}

	// Lettuce reconnects with an exponential delay of up to 30 s: after an outage of a few seconds, the client could
	// wait seconds more after Redis is back. Capped (with jitter, so instances do not reconnect in step).
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(ClientResources.class)
	static class ClientReconnectConfiguration {

		@Bean
		ClientResourcesBuilderCustomizer keyspaceEventsClientReconnectDelay(KeyspaceEventsProperties properties) {
			Duration max = notNegative(properties.getClientReconnectDelay(),
					"keyspace-events.client-reconnect-delay");
			return (builder) -> {
				if (!max.isZero()) {
					builder.reconnectDelay(reconnectDelay(max));
				}
			};
		}

		static Delay reconnectDelay(Duration max) {
			Duration first = (max.compareTo(Duration.ofMillis(100)) < 0) ? max : Duration.ofMillis(100);
			return Delay.equalJitter(first, max, first.toMillis(), TimeUnit.MILLISECONDS);
		}

	}

	// Values other than strings are written as JSON where Jackson is there (the application's JsonMapper if it has one).
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(JsonMapper.class)
	static class JsonValueCodecConfiguration {

		@Bean
		@ConditionalOnMissingBean(TrackedValueCodec.class)
		JsonTrackedValueCodec keyspaceEventsTrackedValueCodec(ObjectProvider<JsonMapper> jsonMapper) {
			return new JsonTrackedValueCodec(jsonMapper.getIfAvailable(JsonMapper::shared));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "keyspace-events.tracking.enabled", matchIfMissing = true)
	@ConditionalOnMissingBean(TrackedExpirations.class)
	static class TrackingConfiguration {

		@Bean
		RedisTrackedExpirations trackedExpirations(RedisConnectionFactory connectionFactory,
				@TrackedExpirationsConnection ObjectProvider<RedisConnectionFactory> ledgerConnectionFactory,
				TrackedExpirationsProperties tracking, TrackedValueCodec valueCodec) {
			String prefix = "keyspace-events.tracking.";
			if (!StringUtils.hasText(tracking.getNamespace()) || tracking.getNamespace().contains("}")) {
				throw new KeyspaceEventsConfigurationException(
						prefix + "namespace must be non-empty text without '}', was '" + tracking.getNamespace() + "'",
						"Set " + prefix + "namespace to a name such as 'orders', or remove it to use the default.");
			}
			RedisTrackedExpirations trackedExpirations = new RedisTrackedExpirations(
					ledgerConnectionFactory.getIfAvailable(() -> connectionFactory), new TrackingSettings(tracking.getNamespace(),
					positive(tracking.getShards(), prefix + "shards"), positive(tracking.getLease(), prefix + "lease"),
					positive(tracking.getMaxAttempts(), prefix + "max-attempts"),
					positive(tracking.getRetryBackoff(), prefix + "retry-backoff"),
					positive(tracking.getMaxRetryBackoff(), prefix + "max-retry-backoff"),
					atMost(positive(tracking.getBatchSize(), prefix + "batch-size"), 5_000, prefix + "batch-size"),
					positive(tracking.getIdlePoll(), prefix + "idle-poll"),
					notNegative(tracking.getClaimAhead(), prefix + "claim-ahead"),
					positive(tracking.getDeadLetterRetention(), prefix + "dead-letter-retention")), valueCodec);
			trackedExpirations.setAllowEviction(tracking.isAllowEviction());
			return trackedExpirations;
		}

		// The ledger on a Redis of its own, named by URL: not a default candidate, so that the application's main
		// connection stays Boot's.
		@Configuration(proxyBeanMethods = false)
		@ConditionalOnClass(RedisURI.class)
		@ConditionalOnProperty("keyspace-events.tracking.redis.url")
		static class LedgerConnectionConfiguration {

			@Bean(defaultCandidate = false)
			@TrackedExpirationsConnection
			LettuceConnectionFactory keyspaceEventsLedgerConnectionFactory(TrackedExpirationsProperties tracking) {
				RedisURI uri;
				try {
					uri = RedisURI.create(tracking.getRedis().getUrl());
				}
				catch (IllegalArgumentException ex) {
					// The URL may hold a password: it is not repeated here.
					throw new KeyspaceEventsConfigurationException(
							"keyspace-events.tracking.redis.url is not a Redis URL (" + ex.getMessage() + ")",
							"Set keyspace-events.tracking.redis.url to a URL such as redis://ledger.example.com:6379/0 "
									+ "(rediss:// for TLS, redis-sentinel:// for Sentinel).",
							ex);
				}
				LettuceClientConfiguration.LettuceClientConfigurationBuilder client = LettuceClientConfiguration
					.builder();
				if (uri.isSsl()) {
					client.useSsl();
				}
				return new LettuceConnectionFactory(LettuceConnectionFactory.createRedisConfiguration(uri),
						client.build());
			}

		}

		@Bean
		static TrackedExpirationsEvictionCheck trackedExpirationsEvictionCheck() {
			return new TrackedExpirationsEvictionCheck();
		}

		@Bean
		ExpiryScheduler expiryScheduler(RedisTrackedExpirations trackedExpirations,
				ObjectProvider<KeyspaceEventSubscription> subscription, ObjectProvider<DispatchMetrics> metrics,
				KeyspaceEventsProperties properties, Environment environment) {
			// Looked up at start: a bean dependency would make Spring stop the scheduler before the lanes, whose
			// given-back expiries it must still record.
			ExpiryScheduler scheduler = new ExpiryScheduler(trackedExpirations, subscription::getObject,
					metrics.getIfAvailable(() -> DispatchMetrics.NONE));
			scheduler.setPolicyCheckInterval(properties.getNotifications().getCheckInterval());
			scheduler.setThreadFactory(laneThreads(environment));
			return scheduler;
		}

	}

	private static int database(KeyspaceEventsProperties properties, RedisConnectionFactory connectionFactory) {
		if (properties.getDatabase() != null) {
			if (properties.getDatabase() < 0) {
				throw new KeyspaceEventsConfigurationException(
						"keyspace-events.database must be 0 or more, was " + properties.getDatabase(),
						"Set keyspace-events.database to a database index, or remove it to use spring.data.redis.database.");
			}
			return properties.getDatabase();
		}
		if (connectionFactory instanceof LettuceConnectionFactory lettuce) {
			return lettuce.getDatabase();
		}
		if (JEDIS_PRESENT && connectionFactory instanceof JedisConnectionFactory jedis) {
			return jedis.getDatabase();
		}
		return 0;
	}

	private static int positive(int value, String property) {
		if (value < 1) {
			throw new KeyspaceEventsConfigurationException(property + " must be at least 1, was " + value,
					"Set " + property + " to 1 or more, or remove it to use the default.");
		}
		return value;
	}

	// A claim passes its batch to Redis commands as arguments: Lua caps how many one call may take.
	private static int atMost(int value, int max, String property) {
		if (value > max) {
			throw new KeyspaceEventsConfigurationException(property + " must be at most " + max + ", was " + value,
					"Set " + property + " to " + max + " or less, or remove it to use the default.");
		}
		return value;
	}

	private static Duration positive(Duration value, String property) {
		if (value == null || value.isZero() || value.isNegative()) {
			throw new KeyspaceEventsConfigurationException(property + " must be positive, was " + value,
					"Set " + property + " to a positive duration such as 1s, or remove it to use the default.");
		}
		return value;
	}

	private static int notNegative(int value, String property) {
		if (value < 0) {
			throw new KeyspaceEventsConfigurationException(property + " must be zero or more, was " + value,
					"Set " + property + " to 0 or more, or remove it to use the default.");
		}
		return value;
	}

	private static Duration notNegative(Duration value, String property) {
		if (value == null || value.isNegative()) {
			throw new KeyspaceEventsConfigurationException(property + " must be zero or more, was " + value,
					"Set " + property + " to a duration such as 10s, or remove it to use the default.");
		}
		return value;
	}

	private static ThreadFactory laneThreads(Environment environment) {
		if (Threading.VIRTUAL.isActive(environment)) {
			return new VirtualThreadTaskExecutor("keyspace-events-").getVirtualThreadFactory();
		}
		CustomizableThreadFactory threads = new CustomizableThreadFactory("keyspace-events-");
		threads.setDaemon(true);
		return threads;
	}

}
