package io.github.keyspaceevents.test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import io.github.keyspaceevents.tracking.RedisTrackedExpirations;
import org.jspecify.annotations.Nullable;

/**
 * Drives handlers from a test without sleeps: waits until what Redis published has been handled, and makes tracked
 * keys due at once. Available in tests annotated with {@link AutoConfigureRedisServer @AutoConfigureRedisServer}.
 *
 * <pre class="code">
 * orders.place(order);                       // writes order:42, due in 15 minutes
 * tester.expireNow("order:42");              // the payment window closes now
 * tester.awaitIdle(Duration.ofSeconds(5));   // the expiry handler has run
 * assertThat(stock.available("sku-1")).isEqualTo(10);
 * </pre>
 */
public final class KeyspaceEventsTester {

	private final KeyspaceEventSubscription subscription;

	private final @Nullable RedisTrackedExpirations trackedExpirations;

	/**
	 * Create a tester.
	 * @param subscription the application's keyspace event subscription
	 * @param trackedExpirations the application's tracked expirations, if enabled
	 */
	public KeyspaceEventsTester(KeyspaceEventSubscription subscription,
			@Nullable RedisTrackedExpirations trackedExpirations) {
		this.subscription = subscription;
		this.trackedExpirations = trackedExpirations;
	}

	/**
	 * Return once every event that Redis published before this call, and every tracked expiry due by then, has been
	 * handled (or has failed and been reported): events still on their way to the application are waited for, not
	 * only those already in it. Tracked expiries are counted in the application's namespace; one that no handler of
	 * this application matches is never handled, and makes this wait time out.
	 * @param timeout how long to wait at most
	 * @throws AssertionError if that did not happen within the timeout
	 */
	public void awaitIdle(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		RedisTrackedExpirations tracked = this.trackedExpirations;
		Instant by = (tracked != null) ? tracked.pending(null).by() : null;
		if (!this.subscription.awaitIdle(timeout)) {
			throw new AssertionError("Keyspace events published before the call were not all handled within "
					+ timeout + " (subscribed: " + this.subscription.isSubscribed() + ")");
		}
		if (tracked == null) {
			return;
		}
		long pending;
		while ((pending = tracked.pending(by).count()) > 0) {
			if (System.nanoTime() - deadline >= 0) {
				throw new AssertionError(pending + " tracked expiries due by " + by + " were not handled within "
						+ timeout);
			}
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
		}
		// The expiries just recorded ran on the lanes: what they queued behind them is done too.
		Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
		if (!this.subscription.awaitIdle(left)) {
			throw new AssertionError("Keyspace event handlers were still busy after " + timeout);
		}
	}

	/**
	 * Make a tracked key due now, as if its deadline had come: its expiry is handled through the real ledger and
	 * handlers, in milliseconds. Follow with {@link #awaitIdle(Duration)} to wait for the handlers.
	 * @param key the tracked key
	 * @throws IllegalStateException if tracked expirations are disabled
	 * @throws IllegalArgumentException if the key is not tracked, or its expiry is already being handled
	 */
	public void expireNow(String key) {
		RedisTrackedExpirations tracked = this.trackedExpirations;
		if (tracked == null) {
			throw new IllegalStateException("Tracked expirations are disabled (keyspace-events.tracking.enabled)");
		}
		if (!tracked.expireNow(key)) {
			throw new IllegalArgumentException("Key '" + key + "' is not tracked, or its expiry is already being "
					+ "handled");
		}
	}

}
