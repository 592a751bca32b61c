package io.github.keyspaceevents.subscription;

import java.time.Duration;
import java.time.Instant;

import io.github.keyspaceevents.KeyspaceEventsConfigurationException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * Connects the subscription, and keeps trying while Redis is unreachable: at startup (unless fail-fast is set, which
 * makes an unreachable Redis fail the application instead) and with exponential backoff after that. Every exception
 * from Redis is retried the same way, timeouts included; a configuration problem found once Redis answers is not.
 * <p>
 * Owns the subscription's one scheduler thread, on which retries, periodic checks and reconnect checks run, so that
 * none of them runs on a Redis I/O thread and none runs concurrently with another.
 */
final class ConnectRetry {

	private static final Log logger = LogFactory.getLog(KeyspaceEventSubscription.class);

	private final RedisConnectionFactory connectionFactory;

	private final Duration initialInterval;

	private final Duration maxInterval;

	private final Runnable connect;

	private final Runnable unreachable;

	private final ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();

	private volatile boolean running;

	private volatile @Nullable String problem;

	/**
	 * @param connectionFactory named in messages
	 * @param initialInterval first delay before retrying an unreachable Redis
	 * @param maxInterval longest delay between retries
	 * @param connect makes the subscription; throws if Redis cannot be reached or refuses the configuration
	 * @param unreachable told each time an attempt found Redis unreachable
	 */
	ConnectRetry(RedisConnectionFactory connectionFactory, Duration initialInterval, Duration maxInterval,
			Runnable connect, Runnable unreachable) {
		this.connectionFactory = connectionFactory;
		this.initialInterval = initialInterval;
		this.maxInterval = maxInterval;
		this.connect = connect;
		this.unreachable = unreachable;
		this.scheduler.setPoolSize(1);
		this.scheduler.setThreadNamePrefix("keyspace-events-subscription-");
		this.scheduler.setDaemon(true);
	}

	/**
	 * Start the scheduler and connect, on the calling thread first.
	 * @param failFast whether an unreachable Redis fails the call rather than being retried
	 * @throws KeyspaceEventsConfigurationException if Redis answered with a configuration problem, or (fail-fast)
	 * could not be reached
	 */
	void start(boolean failFast) {
		this.running = true;
		this.scheduler.initialize();
		if (!failFast) {
			connectOrRetry(this.initialInterval, 1);
			return;
		}
		try {
			this.connect.run();
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

	/** Stop retrying and end the scheduler thread; what is scheduled is dropped. */
	void stop() {
		this.running = false;
		this.scheduler.shutdown();
	}

	/** @return a configuration problem found once Redis was reachable, after startup (a database the server lacks) */
	@Nullable String problem() {
		return this.problem;
	}

	/** Run a task on the scheduler thread now; nothing once stopped. */
	void execute(Runnable task) {
		if (this.running) {
			this.scheduler.execute(task);
		}
	}

	/** Run a task on the scheduler thread every {@code interval}, the first time after one interval. */
	void every(Duration interval, Runnable task) {
		this.scheduler.scheduleWithFixedDelay(task, Instant.now().plus(interval), interval);
	}

	private void connectOrRetry(Duration delay, int attempt) {
		try {
			this.connect.run();
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
			this.unreachable.run();
			if (!this.running) {
				return;
			}
			Duration next = (delay.multipliedBy(2).compareTo(this.maxInterval) > 0) ? this.maxInterval
					: delay.multipliedBy(2);
			// The first failure, then reminders at a falling rate (attempts 2, 4, 8, …).
			if (Integer.bitCount(attempt) == 1) {
				logger.warn(("Redis at %s is not reachable (%s); keyspace event handlers will be subscribed when it "
						+ "is (attempt %d, retrying with backoff up to every %d ms)").formatted(
								RedisAddress.of(this.connectionFactory),
								NestedExceptionUtils.getMostSpecificCause(ex).getMessage(), attempt,
								this.maxInterval.toMillis()));
			}
			this.scheduler.schedule(() -> connectOrRetry(next, attempt + 1), Instant.now().plus(delay));
		}
	}

}
