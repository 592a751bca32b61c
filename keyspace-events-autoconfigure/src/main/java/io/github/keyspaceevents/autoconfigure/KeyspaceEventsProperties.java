package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;

import io.github.keyspaceevents.notification.NotificationMode;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties for Redis keyspace event handlers.
 */
@ConfigurationProperties("keyspace-events")
public class KeyspaceEventsProperties {

	/**
	 * Whether to dispatch Redis keyspace events to annotated handler methods.
	 */
	private boolean enabled = true;

	/**
	 * Database whose events are handled. Defaults to the database the Redis connection factory selects
	 * ('spring.data.redis.database').
	 */
	private @Nullable Integer database;

	/**
	 * Whether an unreachable Redis at startup fails the application. Otherwise the application starts and
	 * subscribes once Redis is reachable.
	 */
	private boolean failFast;

	private final Notifications notifications = new Notifications();

	private final Dispatch dispatch = new Dispatch();

	private final Retry retry = new Retry();

	/**
	 * Longest delay between two reconnect attempts of the application's Lettuce client (applied to Boot's client
	 * resources), so that events and tracked expirations resume within about this long of Redis accepting
	 * connections again, however long it was away. Lettuce's own default grows to 30 s. 0 leaves it unchanged.
	 */
	private Duration clientReconnectDelay = Duration.ofSeconds(1);

	public Duration getClientReconnectDelay() {
		return this.clientReconnectDelay;
	}

	public void setClientReconnectDelay(Duration clientReconnectDelay) {
		this.clientReconnectDelay = clientReconnectDelay;
	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public @Nullable Integer getDatabase() {
		return this.database;
	}

	public void setDatabase(@Nullable Integer database) {
		this.database = database;
	}

	public boolean isFailFast() {
		return this.failFast;
	}

	public void setFailFast(boolean failFast) {
		this.failFast = failFast;
	}

	public Notifications getNotifications() {
		return this.notifications;
	}

	public Dispatch getDispatch() {
		return this.dispatch;
	}

	public Retry getRetry() {
		return this.retry;
	}

	/**
	 * The server's 'notify-keyspace-events' setting.
	 */
	public static class Notifications {

		/**
		 * How to treat the server's 'notify-keyspace-events': 'merge' adds the letters the handlers need and keeps
		 * every letter already set; 'verify' only reads it and reports missing letters (for managed Redis without
		 * CONFIG); 'off' leaves it alone.
		 */
		private NotificationMode mode = NotificationMode.MERGE;

		/**
		 * Letters to enable beyond what the handlers need, e.g. 'Kg' for another consumer of keyspace channels.
		 * Valid letters: K E g $ l s h z x e t d m n o c A.
		 */
		private String extraFlags = "";

		/**
		 * How often to check the server setting while connected (it is also checked after every reconnect).
		 */
		private Duration checkInterval = Duration.ofSeconds(30);

		public NotificationMode getMode() {
			return this.mode;
		}

		public void setMode(NotificationMode mode) {
			this.mode = mode;
		}

		public String getExtraFlags() {
			return this.extraFlags;
		}

		public void setExtraFlags(String extraFlags) {
			this.extraFlags = extraFlags;
		}

		public Duration getCheckInterval() {
			return this.checkInterval;
		}

		public void setCheckInterval(Duration checkInterval) {
			this.checkInterval = checkInterval;
		}

	}

	/**
	 * Dispatch of events to handler methods.
	 */
	public static class Dispatch {

		/**
		 * Number of dispatch lanes, each with one thread. Events for one key always run on the same lane, in order;
		 * different keys run in parallel. Defaults to the number of CPU cores (at least 2). Threads are virtual when
		 * 'spring.threads.virtual.enabled' is true.
		 */
		private @Nullable Integer concurrency;

		/**
		 * Most dispatch threads in all. While handlers block (take 0.2 ms or more on average) and events wait, lanes
		 * add threads up to this, still never running two events of one key at once; a thread idle for a second
		 * ends. Defaults to 8 x concurrency.
		 */
		private @Nullable Integer maxConcurrency;

		/**
		 * Events each dispatch thread may hold waiting. When a queue is full, further events for it are dropped and
		 * logged rather than blocking the Redis I/O thread. Heap used is bounded by concurrency x queue-capacity
		 * events of about 150 bytes each plus the key.
		 */
		private int queueCapacity = 50_000;

		/**
		 * How long events already queued may still run at shutdown.
		 */
		private Duration shutdownTimeout = Duration.ofSeconds(10);

		public @Nullable Integer getConcurrency() {
			return this.concurrency;
		}

		public void setConcurrency(@Nullable Integer concurrency) {
			this.concurrency = concurrency;
		}

		public @Nullable Integer getMaxConcurrency() {
			return this.maxConcurrency;
		}

		public void setMaxConcurrency(@Nullable Integer maxConcurrency) {
			this.maxConcurrency = maxConcurrency;
		}

		public int getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(int queueCapacity) {
			this.queueCapacity = queueCapacity;
		}

		public Duration getShutdownTimeout() {
			return this.shutdownTimeout;
		}

		public void setShutdownTimeout(Duration shutdownTimeout) {
			this.shutdownTimeout = shutdownTimeout;
		}

	}

	/**
	 * Retrying when Redis is unreachable.
	 */
	public static class Retry {

		/**
		 * Delay before the first retry; doubled after each failed attempt.
		 */
		private Duration initialInterval = Duration.ofSeconds(1);

		/**
		 * Longest delay between retries.
		 */
		private Duration maxInterval = Duration.ofSeconds(30);

		public Duration getInitialInterval() {
			return this.initialInterval;
		}

		public void setInitialInterval(Duration initialInterval) {
			this.initialInterval = initialInterval;
		}

		public Duration getMaxInterval() {
			return this.maxInterval;
		}

		public void setMaxInterval(Duration maxInterval) {
			this.maxInterval = maxInterval;
		}

	}

}
