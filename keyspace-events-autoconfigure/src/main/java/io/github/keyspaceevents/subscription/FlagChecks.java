package io.github.keyspaceevents.subscription;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.github.keyspaceevents.notification.ServerNotifications;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.data.redis.RedisConnectionFailureException;

/**
 * Keeps the server's {@code notify-keyspace-events} true while the subscription runs: checks it when asked (after a
 * reconnect, a re-subscription, a topology change, and every check interval), coalescing bursts of requests into one
 * check, and remembers whether Redis answered the last one.
 * <p>
 * Requests come from client threads (Lettuce's I/O thread, the container's subscription thread) and only hand off to
 * the executor; checks run there, one at a time.
 */
final class FlagChecks {

	private static final Log logger = LogFactory.getLog(KeyspaceEventSubscription.class);

	private final ServerNotifications server;

	private final Executor executor;

	private final AtomicBoolean pending = new AtomicBoolean();

	// Counts dropped connections, so that a check that began before a drop cannot report Redis reachable after it.
	private final AtomicLong disconnects = new AtomicLong();

	private volatile boolean redisReachable;

	private volatile boolean active = true;

	FlagChecks(ServerNotifications server, Executor executor) {
		this.server = server;
		this.executor = executor;
	}

	ServerNotifications server() {
		return this.server;
	}

	/** Check now on the calling thread; a failure is thrown (the connect path retries it). */
	void check() {
		long disconnectsBefore = this.disconnects.get();
		this.server.check();
		this.redisReachable = this.disconnects.get() == disconnectsBefore;
	}

	/** Check now on the calling thread; a failure is logged and recorded. */
	void checkQuietly() {
		try {
			check();
		}
		catch (RedisConnectionFailureException ex) {
			this.redisReachable = false;
			logger.debug("Redis not reachable for the notify-keyspace-events check; will check again on reconnect", ex);
		}
		catch (RuntimeException ex) {
			logger.warn("notify-keyspace-events check failed: "
					+ NestedExceptionUtils.getMostSpecificCause(ex).getMessage(), ex);
		}
	}

	/** A (re)connection or (re)subscription: what was written before may be gone with a restarted server. */
	void reconnected() {
		this.server.forgetWrites();
		request();
	}

	/** A connection dropped: Redis may be gone; check as soon as it answers again. */
	void disconnected() {
		this.disconnects.incrementAndGet();
		this.redisReachable = false;
		request();
	}

	/** Redis did not answer a connection attempt. */
	void unreachable() {
		this.redisReachable = false;
	}

	/** Check soon on the executor; requests made while one is pending are one check. */
	void request() {
		if (this.active && this.pending.compareAndSet(false, true)) {
			this.executor.execute(() -> {
				this.pending.set(false);
				checkQuietly();
			});
		}
	}

	/** No further checks: the subscription stopped. */
	void deactivate() {
		this.active = false;
	}

	boolean redisReachable() {
		return this.redisReachable;
	}

}
