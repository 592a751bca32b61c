package io.github.keyspaceevents.listener;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Claims tracked entries from the ledger as they come due and hands them to the dispatcher, so that a tracked key is
 * handled at its deadline rather than when Redis gets round to deleting it, and an entry that came due while nothing
 * listened (outage, restart) is handled as soon as the ledger is reachable. One thread per application; it sleeps
 * until the next deadline or lease end in the ledger (at most the idle poll), and is woken early when this instance
 * tracks a key due sooner.
 */
final class ExpiryScheduler implements Runnable {

	private static final Log logger = LogFactory.getLog(ExpiryScheduler.class);

	private static final Duration RETRY_WHEN_UNREACHABLE = Duration.ofMillis(500);

	private static final Duration BUSY_PAUSE = Duration.ofMillis(2);

	private final ExpiryLedger ledger;

	private final KeyspaceEventDispatcher dispatcher;

	private final List<ExpiryLedger.Shard> shards;

	private volatile boolean running;

	private volatile long wakeAtMillis;

	private volatile @Nullable Thread thread;

	private boolean reachable = true;

	ExpiryScheduler(ExpiryLedger ledger, KeyspaceEventDispatcher dispatcher) {
		this.ledger = ledger;
		this.dispatcher = dispatcher;
		this.shards = ledger.shards();
		ledger.onTrack(this::tracked);
	}

	void start(ThreadFactory threads) {
		this.running = true;
		Thread thread = threads.newThread(this);
		thread.setName("keyspace-events-expiry-scheduler");
		this.thread = thread;
		thread.start();
	}

	void stop() {
		this.running = false;
		LockSupport.unpark(this.thread);
	}

	@Override
	public void run() {
		while (this.running) {
			Instant now = Instant.now();
			Instant next;
			try {
				next = claimDue(now);
				if (!this.reachable) {
					this.reachable = true;
					logger.info("Tracked expirations: ledger reachable again; overdue entries are being handled");
				}
			}
			catch (RuntimeException ex) {
				if (this.reachable) {
					this.reachable = false;
					logger.warn("Tracked expirations: ledger not reachable (" + ex.getMessage()
							+ "); entries stay in Redis and are handled once it is");
				}
				next = now.plus(RETRY_WHEN_UNREACHABLE);
			}
			sleepUntil(next);
		}
	}

	private Instant claimDue(Instant now) {
		Instant next = now.plus(this.ledger.settings().idlePoll());
		for (ExpiryLedger.Shard shard : this.shards) {
			int room = Math.min(this.ledger.settings().batchSize(), this.dispatcher.trackedRoom());
			if (room <= 0) {
				// Handlers are busy: claim more once they have caught up, so that no lease runs out in a queue.
				return now.plus(BUSY_PAUSE);
			}
			ExpiryLedger.Claims claims = this.ledger.claimDue(shard, now, room);
			claims.entries().forEach(this.dispatcher::dispatchClaimed);
			if (claims.entries().size() >= room) {
				next = now;
			}
			next = earliest(next, claims.nextDue());
			next = earliest(next, claims.nextLeaseEnd());
		}
		return next;
	}

	private static Instant earliest(Instant current, @Nullable Instant candidate) {
		return (candidate != null && candidate.isBefore(current)) ? candidate : current;
	}

	private void sleepUntil(Instant next) {
		this.wakeAtMillis = next.toEpochMilli();
		long millis;
		while (this.running && (millis = this.wakeAtMillis - System.currentTimeMillis()) > 0) {
			LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(millis));
		}
	}

	// Called by whoever tracks a key in this instance: wake up earlier if that key is due first.
	private void tracked(Instant deadline) {
		long at = deadline.toEpochMilli();
		if (at < this.wakeAtMillis) {
			this.wakeAtMillis = at;
			LockSupport.unpark(this.thread);
		}
	}

}
