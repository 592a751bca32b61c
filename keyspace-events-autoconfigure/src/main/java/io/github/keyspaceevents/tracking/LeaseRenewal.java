package io.github.keyspaceevents.tracking;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * Renews the leases of the claims this instance holds, every third of the lease, on a thread of its own: a long claim
 * round (a burst claimed in batches across every shard) or a slow outcome write never delays a renewal, so a held
 * claim lapses only when this instance cannot reach Redis, or is paused, for most of a lease.
 * <p>
 * A renewal that comes much later than planned is logged: the claims it should have renewed may have lapsed and run
 * again, and the log says why.
 */
final class LeaseRenewal {

	private static final Log logger = LogFactory.getLog(ExpiryScheduler.class);

	private final ClaimsHeld held;

	private final ServerClock serverClock;

	private final Duration lease;

	private final Duration interval;

	private volatile @Nullable ThreadPoolTaskScheduler scheduler;

	// Set in start() before the first renewal is scheduled, then written and read on the renewal thread only.
	private long lastRenewalNanos;

	private long lastCallMillis;

	LeaseRenewal(ClaimsHeld held, ServerClock serverClock, Duration lease) {
		this.held = held;
		this.serverClock = serverClock;
		this.lease = lease;
		this.interval = lease.dividedBy(3);
	}

	void start() {
		ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
		scheduler.setPoolSize(1);
		scheduler.setThreadNamePrefix("keyspace-events-lease-renewal-");
		scheduler.setDaemon(true);
		scheduler.initialize();
		this.lastRenewalNanos = System.nanoTime();
		scheduler.scheduleWithFixedDelay(this::renew, this.interval);
		this.scheduler = scheduler;
	}

	/** Stop renewing; the claims still held lapse one lease after their last renewal. */
	void stop() {
		ThreadPoolTaskScheduler scheduler = this.scheduler;
		if (scheduler != null) {
			scheduler.shutdown();
			this.scheduler = null;
		}
	}

	private void renew() {
		long now = System.nanoTime();
		long sinceLastMillis = TimeUnit.NANOSECONDS.toMillis(now - this.lastRenewalNanos);
		this.lastRenewalNanos = now;
		if (sinceLastMillis > this.lease.toMillis() / 2 && this.held.size() > 0) {
			String why = (this.lastCallMillis > this.interval.toMillis())
					? "the previous renewal waited %d ms for Redis".formatted(this.lastCallMillis)
					: "this JVM was paused or starved of CPU";
			logger.warn(("Tracked expiry leases were renewed %d ms after the previous renewal (planned every %d ms, "
					+ "keyspace-events.tracking.lease=%s): %s; claims whose lease lapsed meanwhile are retried, and "
					+ "may run twice").formatted(sinceLastMillis, this.interval.toMillis(), this.lease, why));
		}
		try {
			this.held.renew(this.serverClock.nowMillis());
		}
		catch (RuntimeException ex) {
			// The claim loop reports an unreachable ledger; renewal tries again at its next turn.
			logger.debug("Renewing tracked expiry leases failed: "
					+ NestedExceptionUtils.getMostSpecificCause(ex).getMessage());
		}
		finally {
			this.lastCallMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - now);
		}
	}

}
