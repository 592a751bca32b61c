package io.github.keyspaceevents.dispatch;

import io.github.keyspaceevents.handler.HandlerMethod;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.KeyspaceEventErrorHandler;
import io.github.keyspaceevents.TrackedValueCodec;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;

/**
 * Takes events from the Redis I/O thread and runs the matching handlers on a fixed set of lanes. A key always maps to
 * the same lane, and a lane ({@link DispatchLane}) never runs two events of one key at once, so events for a key reach
 * its handlers in the order Redis published them while different keys run in parallel. A lane is one thread, and grows
 * helper threads up to a bound while its handlers block on I/O.
 * <p>
 * Matching happens on the I/O thread, before queueing, so unmatched traffic costs no hand-off. The I/O thread never
 * blocks: it is shared with other Redis connections of the same client, and a handler waiting for a Redis reply on a
 * blocked I/O thread would deadlock. A full lane therefore drops the event and reports it (plain pub/sub gives no
 * delivery guarantee anyway).
 */
public final class KeyspaceEventDispatcher {

	private static final Log logger = LogFactory.getLog(KeyspaceEventDispatcher.class);

	private static final long DROP_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

	private static final String EXPIRED = "expired";

	private static final long JOIN_AFTER_INTERRUPT_MILLIS = 5_000;

	private final int database;

	private final Map<String, HandlerMethod[]> handlersByEvent;

	private final DispatchLane[] lanes;

	private final KeyspaceEventErrorHandler errorHandler;

	private final DispatchMetrics metrics;

	private final byte[] internalKeyPrefix;

	private final TrackedValueCodec valueCodec;

	private final AtomicLong dropped = new AtomicLong();

	private final Markers markers;

	private volatile long lastDropLog;

	private volatile boolean accepting;

	// Set when the shutdown timeout interrupts the lanes: a tracked attempt that fails then is given back, not failed.
	private volatile boolean interruptedByShutdown;

	public KeyspaceEventDispatcher(int database, List<HandlerMethod> handlers, int lanes, int maxThreads, int laneCapacity,
			ThreadFactory threadFactory, KeyspaceEventErrorHandler errorHandler, DispatchMetrics metrics,
			String internalKeyPrefix, TrackedValueCodec valueCodec) {
		this.database = database;
		this.valueCodec = valueCodec;
		this.metrics = metrics;
		this.internalKeyPrefix = internalKeyPrefix.getBytes(StandardCharsets.UTF_8);
		this.markers = new Markers(internalKeyPrefix);
		this.handlersByEvent = indexByEvent(handlers);
		this.errorHandler = errorHandler;
		this.lanes = new DispatchLane[lanes];
		for (int i = 0; i < lanes; i++) {
			this.lanes[i] = new DispatchLane(laneCapacity, Math.max(1, maxThreads / lanes), threadFactory,
					this::deliver);
		}
	}

	private static Map<String, HandlerMethod[]> indexByEvent(List<HandlerMethod> handlers) {
		Map<String, List<HandlerMethod>> byEvent = new LinkedHashMap<>();
		for (HandlerMethod handler : handlers) {
			for (String event : handler.handler().events()) {
				byEvent.computeIfAbsent(event, (e) -> new ArrayList<>()).add(handler);
			}
		}
		Map<String, HandlerMethod[]> index = new LinkedHashMap<>();
		byEvent.forEach((event, list) -> index.put(event, list.toArray(HandlerMethod[]::new)));
		return index;
	}

	/** @return the events any handler wants, in registration order */
	public List<String> events() {
		return List.copyOf(this.handlersByEvent.keySet());
	}

	/** @return events dropped because their lane was full */
	public long droppedCount() {
		return this.dropped.get();
	}

	/**
	 * Return the listener for one keyevent channel; it already knows its event, so no channel parsing is needed.
	 * @param event the event name
	 * @return the listener
	 */
	public MessageListener listenerFor(String event) {
		HandlerMethod[] handlers = this.handlersByEvent.get(event);
		if (handlers == null) {
			throw new IllegalArgumentException("No handler for " + event);
		}
		return (Message message, byte[] pattern) -> dispatch(event, handlers, message.getBody());
	}

	private void dispatch(String event, HandlerMethod[] candidates, byte[] key) {
		if (isInternal(key)) {
			this.markers.seen(key);
			return;
		}
		HandlerMethod[] matched = match(candidates, key);
		if (matched == null) {
			return;
		}
		Delivery delivery = new Delivery(new KeyspaceEvent(key, event, this.database), ByteBuffer.wrap(key), matched,
				null);
		this.metrics.received(event);
		if (!laneOf(key).offer(delivery)) {
			reportDropped(delivery);
		}
	}

	// The starter's own keys, {namespace:…} and {namespace}…, never reach user handlers.
	private boolean isInternal(byte[] key) {
		byte[] prefix = this.internalKeyPrefix;
		return key.length > prefix.length && key[0] == '{'
				&& Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length)
				&& (key[prefix.length] == ':' || key[prefix.length] == '}');
	}

	public boolean accepting() {
		return this.accepting;
	}

	/**
	 * Expect a marker: a message published on a subscribed channel after everything it is meant to follow. Once it
	 * has arrived, so has every message published before it on the same connection.
	 * @return the marker's key, to be published as a message's body
	 */
	public String expectMarker() {
		return this.markers.expect();
	}

	/**
	 * Return whether a marker arrived as often as expected, and forget it once it has.
	 * @param marker the marker's key
	 * @param connections how many arrivals end it (one per subscribed connection)
	 * @return whether it arrived that often
	 */
	public boolean markerArrived(String marker, int connections) {
		return this.markers.arrived(marker, connections);
	}

	/** @return whether no event or tracked expiry is queued, waiting behind its key or running */
	public boolean idle() {
		for (DispatchLane lane : this.lanes) {
			if (!lane.idle()) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Queue a tracked expiry on its key's lane, behind the key's earlier events.
	 * @return whether it was queued
	 */
	public boolean submitTracked(byte[] key, @Nullable String value, Instant deadline, TrackedAttempt attempt) {
		HandlerMethod[] candidates = this.handlersByEvent.get(EXPIRED);
		HandlerMethod[] matched = (candidates != null) ? match(candidates, key) : null;
		if (matched == null || !this.accepting) {
			return false;
		}
		KeyspaceEvent event = new KeyspaceEvent(key, EXPIRED, this.database, value, deadline, this.valueCodec);
		return laneOf(key).offer(new Delivery(event, ByteBuffer.wrap(key), matched, attempt));
	}

	private static HandlerMethod[] match(HandlerMethod[] candidates, byte[] key) {
		// One handler per event is the common case: no allocation beyond the input array.
		if (candidates.length == 1) {
			return candidates[0].matches(key) ? candidates : null;
		}
		HandlerMethod[] matched = null;
		int count = 0;
		for (HandlerMethod candidate : candidates) {
			if (candidate.matches(key)) {
				if (matched == null) {
					matched = new HandlerMethod[candidates.length];
				}
				matched[count++] = candidate;
			}
		}
		return (matched == null || count == matched.length) ? matched : Arrays.copyOf(matched, count);
	}

	private int laneIndex(byte[] key) {
		int hash = Arrays.hashCode(key);
		hash ^= (hash >>> 16);
		return Math.floorMod(hash, this.lanes.length);
	}

	private DispatchLane laneOf(byte[] key) {
		return this.lanes[laneIndex(key)];
	}

	private long droppedReported;

	// Called every few seconds: a burst's final total, which the rate-limited per-drop warning may not have shown.
	public void reportDropTotal() {
		long total = this.dropped.get();
		if (total != this.droppedReported) {
			logger.warn("Keyspace events dropped so far: " + total + " (" + (total - this.droppedReported)
					+ " since the last report); handlers are slower than the event rate");
			this.droppedReported = total;
		}
	}

	private void reportDropped(Delivery delivery) {
		this.metrics.dropped(delivery.event.event());
		long total = this.dropped.incrementAndGet();
		long now = System.nanoTime();
		if (now - this.lastDropLog > DROP_LOG_INTERVAL_NANOS || total == 1) {
			this.lastDropLog = now;
			logger.warn("Keyspace event " + delivery.event + " dropped: its dispatch lane is full (" + total
					+ " dropped so far). Handlers are slower than the event rate; raise "
					+ "keyspace-events.dispatch.concurrency or keyspace-events.dispatch.queue-capacity");
		}
	}

	public void start() {
		for (DispatchLane lane : this.lanes) {
			lane.start();
		}
		this.accepting = true;
	}

	/** @return dispatch threads running now, helpers of lanes whose handlers block included */
	int threads() {
		int threads = 0;
		for (DispatchLane lane : this.lanes) {
			threads += lane.threads();
		}
		return threads;
	}

	/**
	 * Stop taking work. Queued plain events still run, for up to the given time; queued tracked expiries are given
	 * back at once. Lanes still busy after that are interrupted and joined.
	 * @param timeoutMillis how long to wait for queued events
	 */
	public void stop(long timeoutMillis) {
		this.accepting = false;
		for (DispatchLane lane : this.lanes) {
			lane.stop();
		}
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
		try {
			if (!awaitLanes(deadline)) {
				this.interruptedByShutdown = true;
				for (DispatchLane lane : this.lanes) {
					lane.interrupt();
				}
				if (!awaitLanes(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_AFTER_INTERRUPT_MILLIS))) {
					logger.warn("A keyspace event handler ignored the shutdown interrupt and still runs after "
							+ (timeoutMillis + JOIN_AFTER_INTERRUPT_MILLIS) + " ms; its thread is left behind");
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private boolean awaitLanes(long deadlineNanos) throws InterruptedException {
		for (DispatchLane lane : this.lanes) {
			if (!lane.await(deadlineNanos)) {
				return false;
			}
		}
		return true;
	}

	private void deliver(Delivery delivery, boolean stopping) {
		TrackedAttempt attempt = delivery.attempt;
		if (attempt == null) {
			invokeAll(delivery.event, delivery.handlers);
			return;
		}
		if (stopping) {
			// Not started yet: back to the ledger at once, no attempt charged.
			attempt.giveBack();
			return;
		}
		if (!attempt.begin()) {
			return;
		}
		Throwable failure = invokeAll(delivery.event, delivery.handlers);
		if (failure != null && this.interruptedByShutdown) {
			Thread.interrupted();
			attempt.giveBack();
		}
		else {
			attempt.end(failure);
		}
	}

	private @Nullable Throwable invokeAll(KeyspaceEvent event, HandlerMethod[] handlers) {
		Throwable failure = null;
		for (HandlerMethod handler : handlers) {
			try {
				this.metrics.invoke(event, handler.handler(), () -> handler.invoke(event));
			}
			catch (Throwable ex) {
				failure = ex;
				try {
					this.errorHandler.handleError(event, handler.handler(), ex);
				}
				catch (Throwable errorHandlerFailure) {
					logger.error("KeyspaceEventErrorHandler failed for " + event, errorHandlerFailure);
				}
			}
		}
		return failure;
	}

	/**
	 * An event on its way to its handlers; {@code key} wraps the key's bytes for equality.
	 */
	record Delivery(KeyspaceEvent event, ByteBuffer key, HandlerMethod[] handlers, @Nullable TrackedAttempt attempt) {
	}

}
