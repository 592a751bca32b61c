package io.github.keyspaceevents.subscription;

import io.github.keyspaceevents.dispatch.DispatchMetrics;
import io.github.keyspaceevents.dispatch.ExpiredKeyHandlers;
import io.github.keyspaceevents.dispatch.KeyspaceEventDispatcher;
import io.github.keyspaceevents.dispatch.TrackedAttempt;
import io.github.keyspaceevents.handler.HandlerMethod;
import io.github.keyspaceevents.handler.KeyspaceEventHandlerRegistry;
import io.github.keyspaceevents.notification.NotificationFlags;
import io.github.keyspaceevents.notification.NotificationMode;
import io.github.keyspaceevents.notification.RedisEvents;
import io.github.keyspaceevents.notification.ServerNotifications;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.github.keyspaceevents.KeyspaceEventErrorHandler;
import io.github.keyspaceevents.KeyspaceEventsConfigurationException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.util.ClassUtils;

/**
 * Brings the registered handlers to life: makes the server publish what they need, subscribes to the keyevent
 * channels of the selected database, and keeps both true while the application runs.
 * <p>
 * Handlers subscribe to {@code __keyevent@<db>__:<event>} channels rather than {@code __keyspace@…} patterns: one
 * exact channel per event is a hash lookup on the server (a pattern is matched against every notification), the
 * message body is the key itself so nothing is parsed, and only the {@code E} letter is needed. Key filtering is
 * done here, before anything is queued.
 * <p>
 * If Redis is unreachable at startup the application still starts (unless fail-fast is set) and the subscription is
 * retried with exponential backoff. Once running, the server setting is checked again after every reconnect and
 * periodically, so a Redis restart or a changed setting is repaired without an application restart.
 * <p>
 * On a Redis Cluster the subscription is made on every master instead of through the listener container (which would
 * pick one node), and follows failovers.
 * <p>
 * It also offers the {@code expired} handlers to tracked expirations ({@link ExpiredKeyHandlers}), so that claimed
 * expiries run on the same lanes, in order with the key's other events.
 */
public final class KeyspaceEventSubscription implements SmartLifecycle, ExpiredKeyHandlers {

	private static final Log logger = LogFactory.getLog(KeyspaceEventSubscription.class);

	private static final boolean LETTUCE_PRESENT = ClassUtils.isPresent("io.lettuce.core.RedisClient",
			KeyspaceEventSubscription.class.getClassLoader());

	private final KeyspaceEventHandlerRegistry registry;

	private final RedisConnectionFactory connectionFactory;

	private final RedisMessageListenerContainer container;

	private final SubscriptionSettings settings;

	private final KeyspaceEventErrorHandler errorHandler;

	private final NotificationFlags extraFlags;

	private final AtomicBoolean checkPending = new AtomicBoolean();

	private final KeepAlive keepAlive = new KeepAlive();

	private volatile List<String> channels = List.of();

	private Map<String, MessageListener> listenersByChannel = Map.of();

	private @Nullable ClusterSubscription clusterSubscription;

	private volatile boolean running;

	private volatile boolean subscribed;

	private volatile boolean redisReachable;

	private volatile @Nullable String problem;

	// Counts dropped connections, so that a check that began before a drop cannot report Redis reachable after it.
	private final AtomicLong disconnects = new AtomicLong();

	private @Nullable KeyspaceEventDispatcher dispatcher;

	private @Nullable ServerNotifications serverNotifications;

	private @Nullable ScheduledExecutorService scheduler;

	private @Nullable ReconnectSignal reconnectSignal;

	/**
	 * Create the subscription.
	 * @param registry the handlers
	 * @param connectionFactory the connection used to read and write the server setting
	 * @param container the container that owns the pub/sub connection; started and stopped by this subscription
	 * @param settings the settings
	 * @param errorHandler receives handler failures
	 * @throws io.github.keyspaceevents.KeyspaceEventsConfigurationException if the extra flag letters are invalid
	 */
	public KeyspaceEventSubscription(KeyspaceEventHandlerRegistry registry, RedisConnectionFactory connectionFactory,
			RedisMessageListenerContainer container, SubscriptionSettings settings, KeyspaceEventErrorHandler errorHandler) {
		this.registry = registry;
		this.connectionFactory = connectionFactory;
		this.container = container;
		this.settings = settings;
		this.errorHandler = errorHandler;
		// Validated here so that a typo fails startup even while Redis is down.
		this.extraFlags = NotificationFlags.ofConfigured(settings.extraFlags(),
				"keyspace-events.notifications.extra-flags");
	}

	@Override
	public void start() {
		List<HandlerMethod> handlers = this.registry.handlerMethods();
		this.running = true;
		if (handlers.isEmpty()) {
			logger.info("No @OnKeyEvent handler methods found; not subscribing to Redis keyspace events");
			return;
		}
		KeyspaceEventDispatcher dispatcher = new KeyspaceEventDispatcher(this.settings.database(), handlers,
				this.settings.concurrency(), this.settings.maxConcurrency(), this.settings.queueCapacity(),
				this.settings.threadFactory(),
				this.errorHandler, this.settings.metrics(), "{" + this.settings.internalNamespace());
		NotificationFlags required = NotificationFlags.none();
		Map<String, MessageListener> listenersByChannel = new LinkedHashMap<>();
		for (String event : dispatcher.events()) {
			required = required.with(RedisEvents.requiredFlags(event));
			String channel = "__keyevent@" + this.settings.database() + "__:" + event;
			MessageListener listener = dispatcher.listenerFor(event);
			this.container.addMessageListener(listener, new ChannelTopic(channel));
			listenersByChannel.put(channel, listener);
		}
		this.listenersByChannel = listenersByChannel;
		this.channels = List.copyOf(listenersByChannel.keySet());
		this.dispatcher = dispatcher;
		this.serverNotifications = new ServerNotifications(this.connectionFactory, this.settings.mode(), required,
				this.extraFlags);
		this.scheduler = Executors.newSingleThreadScheduledExecutor(schedulerThreads());
		dispatcher.start();
		this.keepAlive.start();
		if (this.settings.failFast()) {
			try {
				connect();
			}
			catch (KeyspaceEventsConfigurationException ex) {
				throw ex;
			}
			catch (RuntimeException ex) {
				throw new KeyspaceEventsConfigurationException(
						"Redis at " + RedisAddress.of(this.connectionFactory)
								+ " is not reachable and keyspace-events.fail-fast is true: " + ex.getMessage(),
						"Start Redis or check spring.data.redis.*; or set keyspace-events.fail-fast=false to start "
								+ "anyway and subscribe once Redis is reachable.",
						ex);
			}
		}
		else {
			connectOrRetry(this.settings.initialRetryInterval(), 1);
		}
	}

	private void connectOrRetry(Duration delay, int attempt) {
		try {
			connect();
			if (attempt > 1) {
				logger.info("Redis at %s reachable after %d attempts".formatted(RedisAddress.of(this.connectionFactory),
						attempt));
			}
		}
		catch (KeyspaceEventsConfigurationException ex) {
			if (attempt == 1) {
				throw ex;
			}
			// Found wrong only once Redis became reachable, after startup: reported, and in health.
			this.problem = ex.getMessage();
			logger.error(ex.getMessage() + " " + ex.getAction());
		}
		catch (RuntimeException ex) {
			// Refused connections, timeouts, a hung or restarting Redis: all retried the same way.
			this.redisReachable = false;
			if (!this.running) {
				return;
			}
			Duration next = delay.multipliedBy(2).compareTo(this.settings.maxRetryInterval()) > 0
					? this.settings.maxRetryInterval() : delay.multipliedBy(2);
			// The first failure, then reminders at a falling rate (attempts 2, 4, 8, …).
			if (Integer.bitCount(attempt) == 1) {
				logger.warn(("Redis at %s is not reachable (%s); keyspace event handlers will be subscribed when it "
						+ "is (attempt %d, retrying with backoff up to every %d ms)").formatted(
								RedisAddress.of(this.connectionFactory),
								NestedExceptionUtils.getMostSpecificCause(ex).getMessage(), attempt,
								this.settings.maxRetryInterval().toMillis()));
			}
			requireScheduler().schedule(() -> connectOrRetry(next, attempt + 1), delay.toMillis(),
					TimeUnit.MILLISECONDS);
		}
	}

	private void connect() {
		ServerNotifications server = requireServerNotifications();
		long disconnectsBefore = this.disconnects.get();
		checkDatabase();
		server.check();
		this.redisReachable = this.disconnects.get() == disconnectsBefore;
		ClusterSubscription cluster = LETTUCE_PRESENT ? ClusterSubscription.forClusterOf(this.connectionFactory,
				this.listenersByChannel, this::topologyChanged) : null;
		if (cluster != null) {
			cluster.start();
			this.clusterSubscription = cluster;
			// Lettuce does not follow failovers by itself unless topology refresh is configured: look every second.
			requireScheduler().scheduleWithFixedDelay(() -> {
				if (cluster.refresh()) {
					clusterMastersChanged();
				}
			}, 1, 1, TimeUnit.SECONDS);
		}
		else {
			try {
				this.container.start();
			}
			catch (RuntimeException ex) {
				// The container goes on recovering the subscription in the background with its own backoff.
				logger.warn("Keyspace event subscription not confirmed yet ("
						+ NestedExceptionUtils.getMostSpecificCause(ex).getMessage() + "); still trying");
			}
		}
		this.subscribed = true;
		logger.info("Subscribed to Redis keyspace events %s on database %d for %d handler(s)%s".formatted(
				requireDispatcher().events(), this.settings.database(), this.registry.handlerMethods().size(),
				(cluster != null) ? ", on every cluster master" : ""));
		// A closed connection may just be a dedicated one being released: check at once, and report only a failure.
		this.reconnectSignal = ReconnectSignal.register(this.connectionFactory, () -> {
			server.forgetWrites();
			requestCheck();
		}, () -> {
			this.disconnects.incrementAndGet();
			this.redisReachable = false;
			requestCheck();
		});
		requireScheduler().scheduleWithFixedDelay(requireDispatcher()::reportDropTotal, 10, 10, TimeUnit.SECONDS);
		long interval = this.settings.checkInterval().toMillis();
		requireScheduler().scheduleWithFixedDelay(this::checkQuietly, interval, interval, TimeUnit.MILLISECONDS);
	}

	// A database the server does not have subscribes fine and never delivers anything: refuse it.
	private void checkDatabase() {
		int database = this.settings.database();
		if (database == 0) {
			return;
		}
		Properties config;
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			config = connection.serverCommands().getConfig("databases");
		}
		catch (RedisConnectionFailureException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			// CONFIG GET refused (managed Redis): cannot check.
			logger.debug("Cannot read the server's number of databases", ex);
			return;
		}
		String count = (config != null) ? config.getProperty("databases") : null;
		if (count != null && database >= Integer.parseInt(count)) {
			throw new KeyspaceEventsConfigurationException(
					"keyspace-events.database is %d, but the Redis at %s has %s databases (0 to %d)".formatted(database,
							RedisAddress.of(this.connectionFactory), count, Integer.parseInt(count) - 1),
					"Set keyspace-events.database (or spring.data.redis.database) to a database the server has.");
		}
	}

	// Called on Lettuce's I/O thread: only hand off, coalescing bursts of reconnects into one check.
	private void requestCheck() {
		ScheduledExecutorService scheduler = this.scheduler;
		if (this.running && scheduler != null && this.checkPending.compareAndSet(false, true)) {
			scheduler.execute(() -> {
				this.checkPending.set(false);
				checkQuietly();
			});
		}
	}

	// Called on a Lettuce thread: new masters get the subscription and the flags.
	private void topologyChanged() {
		ScheduledExecutorService scheduler = this.scheduler;
		ClusterSubscription cluster = this.clusterSubscription;
		if (this.running && scheduler != null && cluster != null) {
			scheduler.execute(() -> {
				if (cluster.subscribeNewMasters()) {
					clusterMastersChanged();
				}
			});
		}
	}

	private void clusterMastersChanged() {
		logger.info("Redis Cluster topology changed: subscribed on the new master(s)");
		checkQuietly();
	}

	private void checkQuietly() {
		try {
			long disconnectsBefore = this.disconnects.get();
			requireServerNotifications().check();
			this.redisReachable = this.disconnects.get() == disconnectsBefore;
		}
		catch (RedisConnectionFailureException ex) {
			this.redisReachable = false;
			logger.debug("Redis not reachable for the notify-keyspace-events check; will check again on reconnect", ex);
		}
		catch (RuntimeException ex) {
			logger.warn("notify-keyspace-events check failed: " + NestedExceptionUtils.getMostSpecificCause(ex).getMessage(), ex);
		}
	}

	@Override
	public void stop() {
		this.running = false;
		ReconnectSignal signal = this.reconnectSignal;
		if (signal != null) {
			signal.close();
		}
		ScheduledExecutorService scheduler = this.scheduler;
		if (scheduler != null) {
			scheduler.shutdownNow();
		}
		ClusterSubscription cluster = this.clusterSubscription;
		if (cluster != null) {
			cluster.close();
		}
		this.container.stop();
		// What start() added, so that a context restarted after stop() delivers each event once.
		this.listenersByChannel.forEach((channel, listener) -> this.container.removeMessageListener(listener,
				new ChannelTopic(channel)));
		this.listenersByChannel = Map.of();
		this.clusterSubscription = null;
		KeyspaceEventDispatcher dispatcher = this.dispatcher;
		if (dispatcher != null) {
			dispatcher.stop(this.settings.shutdownTimeout().toMillis());
		}
		this.subscribed = false;
		this.keepAlive.stop();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** Starts after the connection factory, stops before it. */
	@Override
	public int getPhase() {
		return DEFAULT_PHASE - 1024;
	}

	@Override
	public List<String> expiredPatterns() {
		// From the registry, not the dispatcher: the expiry scheduler asks before this subscription has started.
		List<String> patterns = new ArrayList<>();
		for (HandlerMethod handler : this.registry.handlerMethods()) {
			if (handler.handler().events().contains("expired")) {
				patterns.addAll(handler.handler().patterns());
			}
		}
		return patterns;
	}

	@Override
	public boolean accepting() {
		KeyspaceEventDispatcher dispatcher = this.dispatcher;
		return this.running && dispatcher != null && dispatcher.accepting();
	}

	@Override
	public int concurrency() {
		return this.settings.concurrency();
	}

	@Override
	public boolean submit(byte[] key, @Nullable String value, Instant deadline, TrackedAttempt attempt) {
		KeyspaceEventDispatcher dispatcher = this.dispatcher;
		return this.running && dispatcher != null && dispatcher.submitTracked(key, value, deadline, attempt);
	}

	/** @return whether the subscription has been made (Redis was reachable at least once) */
	public boolean isSubscribed() {
		return this.subscribed;
	}

	/**
	 * Describe the subscription for health checks and operations tooling.
	 * @return the current state
	 */
	public SubscriptionStatus status() {
		ServerNotifications server = this.serverNotifications;
		ServerNotifications.Status flags = (server != null) ? server.lastStatus() : null;
		NotificationFlags serverFlags = (flags != null) ? flags.server() : null;
		return new SubscriptionStatus(this.subscribed, this.redisReachable, this.problem, this.channels,
				requiredFlags(), (flags != null) ? flags.outcome().name() : "NOT_CHECKED",
				(serverFlags != null) ? serverFlags.letters() : null,
				(flags != null) ? flags.missing().letters() : "", (flags != null) ? flags.reason() : null,
				droppedEvents(), clusterNodes(flags));
	}

	// Per node of a cluster: its flags and whether this instance is subscribed on it.
	private Map<String, String> clusterNodes(ServerNotifications.@Nullable Status flags) {
		ClusterSubscription cluster = this.clusterSubscription;
		if (cluster == null || flags == null) {
			return Map.of();
		}
		Set<String> subscribedMasters = cluster.subscribedMasters();
		Map<String, String> nodes = new TreeMap<>();
		flags.nodes().forEach((address, outcome) -> nodes.put(address,
				(subscribedMasters.contains(address) ? "master, subscribed" : "not subscribed") + ", flags " + outcome));
		return nodes;
	}

	/** @return the channels subscribed to, e.g. {@code __keyevent@0__:expired}; empty before start */
	public List<String> channels() {
		return this.channels;
	}

	/** @return the letters the server must have for the registered handlers, e.g. {@code Ex} */
	public String requiredFlags() {
		ServerNotifications server = this.serverNotifications;
		return (server != null) ? server.required().letters() : "";
	}

	/** @return events dropped because handlers could not keep up */
	public long droppedEvents() {
		KeyspaceEventDispatcher dispatcher = this.dispatcher;
		return (dispatcher != null) ? dispatcher.droppedCount() : 0;
	}

	private KeyspaceEventDispatcher requireDispatcher() {
		KeyspaceEventDispatcher dispatcher = this.dispatcher;
		if (dispatcher == null) {
			throw new IllegalStateException("Not started");
		}
		return dispatcher;
	}

	private ServerNotifications requireServerNotifications() {
		ServerNotifications server = this.serverNotifications;
		if (server == null) {
			throw new IllegalStateException("Not started");
		}
		return server;
	}

	private ScheduledExecutorService requireScheduler() {
		ScheduledExecutorService scheduler = this.scheduler;
		if (scheduler == null) {
			throw new IllegalStateException("Not started");
		}
		return scheduler;
	}

	private static CustomizableThreadFactory schedulerThreads() {
		CustomizableThreadFactory threads = new CustomizableThreadFactory("keyspace-events-subscription-");
		threads.setDaemon(true);
		return threads;
	}

}
