package io.github.keyspaceevents.subscription;

import io.github.keyspaceevents.dispatch.ExpiredKeyHandlers;
import io.github.keyspaceevents.dispatch.KeyspaceEventDispatcher;
import io.github.keyspaceevents.dispatch.TrackedAttempt;
import io.github.keyspaceevents.handler.HandlerMethod;
import io.github.keyspaceevents.handler.KeyspaceEventHandlerRegistry;
import io.github.keyspaceevents.notification.NotificationFlags;
import io.github.keyspaceevents.notification.RedisEvents;
import io.github.keyspaceevents.notification.ServerNotifications;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.github.keyspaceevents.KeyspaceEventErrorHandler;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

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

	private final KeyspaceEventHandlerRegistry registry;

	private final RedisConnectionFactory connectionFactory;

	private final RedisMessageListenerContainer container;

	private final SubscriptionSettings settings;

	private final KeyspaceEventErrorHandler errorHandler;

	private final NotificationFlags extraFlags;

	private final KeepAlive keepAlive = new KeepAlive();

	private final Map<String, Supplier<@Nullable Consumer<byte[]>>> watchers = new LinkedHashMap<>();

	private volatile List<String> channels = List.of();

	private Map<String, MessageListener> listenersByChannel = Map.of();

	private @Nullable ClusterSubscription clusterSubscription;

	private volatile boolean running;

	private volatile boolean subscribed;

	private @Nullable KeyspaceEventDispatcher dispatcher;

	private @Nullable FlagChecks flagChecks;

	private @Nullable ConnectRetry retry;

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

	/**
	 * Also pass the keys of one event to a listener of the starter's own (tracked expirations watch {@code evicted}
	 * for their ledger's keys), on the Redis I/O thread, ahead of the handlers. Takes effect from the next start,
	 * and only where the application has handlers (otherwise nothing is subscribed).
	 * @param event the event, e.g. {@code evicted}
	 * @param watcher asked at start for the listener; {@code null} means not wanted now
	 */
	public void watch(String event, Supplier<@Nullable Consumer<byte[]>> watcher) {
		this.watchers.put(event, watcher);
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
				this.errorHandler, this.settings.metrics(), "{" + this.settings.internalNamespace(),
				this.settings.valueCodec());
		NotificationFlags required = NotificationFlags.none();
		Map<String, MessageListener> listenersByChannel = new LinkedHashMap<>();
		Map<String, Consumer<byte[]>> watching = new LinkedHashMap<>();
		this.watchers.forEach((event, watcher) -> {
			Consumer<byte[]> listener = watcher.get();
			if (listener != null) {
				watching.put(event, listener);
			}
		});
		List<String> events = new ArrayList<>(dispatcher.events());
		watching.keySet().stream().filter((event) -> !events.contains(event)).forEach(events::add);
		for (String event : events) {
			required = required.with(RedisEvents.requiredFlags(event));
			String channel = "__keyevent@" + this.settings.database() + "__:" + event;
			MessageListener listener = new SubscriptionAwareListener(
					withWatcher(dispatcher.events().contains(event) ? dispatcher.listenerFor(event) : null,
							watching.get(event)),
					this::channelSubscribed);
			this.container.addMessageListener(listener, new ChannelTopic(channel));
			listenersByChannel.put(channel, listener);
		}
		this.listenersByChannel = listenersByChannel;
		this.channels = List.copyOf(listenersByChannel.keySet());
		this.dispatcher = dispatcher;
		FlagChecks flagChecks = new FlagChecks(new ServerNotifications(this.connectionFactory, this.settings.mode(),
				required, this.extraFlags), this::execute);
		this.flagChecks = flagChecks;
		ConnectRetry retry = new ConnectRetry(this.connectionFactory, this.settings.initialRetryInterval(),
				this.settings.maxRetryInterval(), this::connect, flagChecks::unreachable);
		this.retry = retry;
		dispatcher.start();
		this.keepAlive.start();
		retry.start(this.settings.failFast());
	}

	private static MessageListener withWatcher(@Nullable MessageListener handlers,
			@Nullable Consumer<byte[]> watcher) {
		if (watcher == null) {
			return handlers;
		}
		if (handlers == null) {
			return (message, pattern) -> watcher.accept(message.getBody());
		}
		return (message, pattern) -> {
			watcher.accept(message.getBody());
			handlers.onMessage(message, pattern);
		};
	}

	private void connect() {
		FlagChecks flagChecks = started(this.flagChecks);
		DatabaseCheck.verify(this.connectionFactory, this.settings.database());
		flagChecks.check();
		ClusterSubscription cluster = ClusterSubscription.forClusterOf(this.connectionFactory,
				this.listenersByChannel, this::topologyChanged);
		if (cluster != null) {
			cluster.start();
			this.clusterSubscription = cluster;
			// Clients do not follow failovers by themselves unless topology refresh is configured: look every second.
			started(this.retry).every(Duration.ofSeconds(1), () -> {
				if (cluster.refresh()) {
					clusterMastersChanged();
				}
			});
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
				started(this.dispatcher).events(), this.settings.database(), this.registry.handlerMethods().size(),
				(cluster != null) ? ", on every cluster master" : ""));
		// A closed connection may just be a dedicated one being released: check at once, and report only a failure.
		this.reconnectSignal = ReconnectSignal.register(this.connectionFactory, flagChecks::reconnected,
				flagChecks::disconnected);
		started(this.retry).every(Duration.ofSeconds(10), started(this.dispatcher)::reportDropTotal);
		started(this.retry).every(this.settings.checkInterval(), flagChecks::checkQuietly);
	}

	// Called on the container's subscription thread: (re)subscribed after a lost connection, or the first time.
	private void channelSubscribed() {
		FlagChecks flagChecks = this.flagChecks;
		if (flagChecks != null && this.subscribed) {
			flagChecks.reconnected();
		}
	}

	private void execute(Runnable task) {
		ConnectRetry retry = this.retry;
		if (this.running && retry != null) {
			retry.execute(task);
		}
	}

	// Called on a Lettuce thread: new masters get the subscription and the flags.
	private void topologyChanged() {
		ConnectRetry retry = this.retry;
		ClusterSubscription cluster = this.clusterSubscription;
		if (this.running && retry != null && cluster != null) {
			retry.execute(() -> {
				if (cluster.subscribeNewMasters()) {
					clusterMastersChanged();
				}
			});
		}
	}

	private void clusterMastersChanged() {
		logger.info("Redis Cluster topology changed: subscribed on the new master(s)");
		started(this.flagChecks).checkQuietly();
	}

	@Override
	public void stop() {
		this.running = false;
		FlagChecks flagChecks = this.flagChecks;
		if (flagChecks != null) {
			flagChecks.deactivate();
		}
		ReconnectSignal signal = this.reconnectSignal;
		if (signal != null) {
			signal.close();
		}
		ConnectRetry retry = this.retry;
		if (retry != null) {
			retry.stop();
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
				patterns.addAll(handler.globPatterns());
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

	/**
	 * Wait until every event Redis published before this call has been handled (or reported to the error handler):
	 * publishes a marker on a subscribed channel, waits for it on every subscribed connection (so that everything
	 * published before it has been read), then waits until nothing is queued or running. For tests; while events
	 * keep coming, this waits for a moment without any.
	 * @param timeout how long to wait at most
	 * @return whether that happened within the timeout
	 */
	public boolean awaitIdle(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		if (this.running && this.registry.handlerMethods().isEmpty()) {
			return true;
		}
		while (!this.subscribed || this.dispatcher == null) {
			if (!EventsDrain.pause(deadline)) {
				return false;
			}
		}
		ClusterSubscription cluster = this.clusterSubscription;
		int connections = (cluster != null) ? Math.max(1, cluster.subscribedMasters().size()) : 1;
		return new EventsDrain(started(this.dispatcher), this.connectionFactory).await(this.channels.get(0),
				connections, deadline);
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
		FlagChecks flagChecks = this.flagChecks;
		ConnectRetry retry = this.retry;
		ClusterSubscription cluster = this.clusterSubscription;
		return SubscriptionStatus.of(this.subscribed, flagChecks != null && flagChecks.redisReachable(),
				(retry != null) ? retry.problem() : null, this.channels, requiredFlags(),
				(flagChecks != null) ? flagChecks.server().lastStatus() : null, droppedEvents(),
				(cluster != null) ? cluster.subscribedMasters() : null);
	}

	/** @return the channels subscribed to, e.g. {@code __keyevent@0__:expired}; empty before start */
	public List<String> channels() {
		return this.channels;
	}

	/** @return the letters the server must have for the registered handlers, e.g. {@code Ex} */
	public String requiredFlags() {
		FlagChecks flagChecks = this.flagChecks;
		return (flagChecks != null) ? flagChecks.server().required().letters() : "";
	}

	/** @return events dropped because handlers could not keep up */
	public long droppedEvents() {
		KeyspaceEventDispatcher dispatcher = this.dispatcher;
		return (dispatcher != null) ? dispatcher.droppedCount() : 0;
	}

	// Parts made in start(): present from then on, whichever thread reads them.
	private static <T> T started(@Nullable T part) {
		if (part == null) {
			throw new IllegalStateException("Not started");
		}
		return part;
	}

}
