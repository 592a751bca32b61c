package io.github.keyspaceevents.subscription;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.github.keyspaceevents.dispatch.KeyspaceEventDispatcher;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Waits until every event Redis published before the wait began has been handled. Redis delivers a connection's
 * messages in order, so a marker published on a subscribed channel arrives after everything published before it:
 * once it has come back on every subscribed connection, what is left is in the lanes, and the wait ends when they are
 * empty. Serves tests ({@code KeyspaceEventsTester}), which otherwise could only sleep.
 */
final class EventsDrain {

	private final KeyspaceEventDispatcher dispatcher;

	private final RedisConnectionFactory connectionFactory;

	EventsDrain(KeyspaceEventDispatcher dispatcher, RedisConnectionFactory connectionFactory) {
		this.dispatcher = dispatcher;
		this.connectionFactory = connectionFactory;
	}

	/**
	 * @param channel a channel every subscribed connection listens to
	 * @param connections how many connections the marker must come back on (one per subscribed cluster master)
	 * @param deadlineNanos when to give up, on {@link System#nanoTime()}'s scale
	 * @return whether everything was handled before the deadline
	 */
	boolean await(String channel, int connections, long deadlineNanos) {
		String marker = this.dispatcher.expectMarker();
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			connection.publish(channel.getBytes(StandardCharsets.UTF_8), marker.getBytes(StandardCharsets.UTF_8));
		}
		while (!this.dispatcher.markerArrived(marker, connections)) {
			if (!pause(deadlineNanos)) {
				return false;
			}
		}
		while (!this.dispatcher.idle()) {
			if (!pause(deadlineNanos)) {
				return false;
			}
		}
		return true;
	}

	/** @return false once the deadline has passed or the waiting thread was interrupted */
	static boolean pause(long deadlineNanos) {
		if (System.nanoTime() - deadlineNanos >= 0) {
			return false;
		}
		LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
		return !Thread.currentThread().isInterrupted();
	}

}
