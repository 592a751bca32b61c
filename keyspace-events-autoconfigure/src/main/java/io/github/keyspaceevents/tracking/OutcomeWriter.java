package io.github.keyspaceevents.tracking;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.NestedExceptionUtils;

/**
 * Records outcomes of attempts in the ledger, batched per shard every few milliseconds instead of one round trip per
 * key on a dispatch lane. A write that fails is kept and retried until it lands; meanwhile the entry's lease is still
 * renewed, so no other instance takes it. Only a shutdown that cannot reach Redis leaves outcomes unwritten: their
 * leases then lapse and the entries are retried.
 */
final class OutcomeWriter implements Runnable {

	private static final Log logger = LogFactory.getLog(OutcomeWriter.class);

	private static final long FLUSH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

	private static final long RETRY_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

	private static final int MAX_BATCH = 1000;

	// How long outcomes may wait while a burst of expiries is being started: their leases run for much longer.
	private static final long MAX_HOLD_NANOS = TimeUnit.SECONDS.toNanos(1);

	private final ExpiryLedger ledger;

	private final BiConsumer<Outcome, String> recorded;

	private final Queue<Outcome> queue = new ConcurrentLinkedQueue<>();

	private final Deque<Outcome> unwritten = new ArrayDeque<>();

	private final BooleanSupplier hold;

	private long heldSince;

	private volatile boolean running;

	private volatile @Nullable Thread thread;

	private boolean failing;

	/**
	 * @param ledger where outcomes go
	 * @param recorded told of each outcome with the ledger's code: {@code done}, {@code retry}, {@code dead},
	 * {@code released} or {@code stale}
	 * @param hold whether outcomes should wait (for at most a second): while a burst of expiries is being started,
	 * Redis' time goes to starting them first
	 */
	OutcomeWriter(ExpiryLedger ledger, BiConsumer<Outcome, String> recorded, BooleanSupplier hold) {
		this.ledger = ledger;
		this.recorded = recorded;
		this.hold = hold;
	}

	void add(Outcome outcome) {
		this.queue.add(outcome);
	}

	void start(ThreadFactory threads) {
		this.running = true;
		Thread thread = threads.newThread(this);
		thread.setName("keyspace-events-expiry-outcomes");
		this.thread = thread;
		thread.start();
	}

	/**
	 * Stop after writing what is queued, trying for at most the given time.
	 * @param timeoutMillis how long to keep trying
	 */
	void stop(long timeoutMillis) {
		this.running = false;
		Thread thread = this.thread;
		if (thread == null) {
			return;
		}
		LockSupport.unpark(thread);
		try {
			thread.join(timeoutMillis);
			if (thread.isAlive()) {
				thread.interrupt();
				thread.join(timeoutMillis);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.thread = null;
	}

	@Override
	public void run() {
		while (true) {
			if (this.running && holding()) {
				LockSupport.parkNanos(this, FLUSH_INTERVAL_NANOS);
				continue;
			}
			boolean written = flush();
			if (!this.running && ((written && this.queue.isEmpty()) || Thread.currentThread().isInterrupted())) {
				break;
			}
			LockSupport.parkNanos(this, written ? FLUSH_INTERVAL_NANOS : RETRY_INTERVAL_NANOS);
		}
		int left = this.unwritten.size() + this.queue.size();
		if (left > 0) {
			logger.warn(left + " tracked expiry outcome(s) could not be recorded before shutdown; their entries are "
					+ "retried once their lease lapses");
		}
	}

	private boolean holding() {
		if (!this.hold.getAsBoolean()) {
			this.heldSince = 0;
			return false;
		}
		long now = System.nanoTime();
		if (this.heldSince == 0) {
			this.heldSince = now;
		}
		return now - this.heldSince < MAX_HOLD_NANOS;
	}

	// Returns false while Redis refuses the writes; what failed stays for the next try, first in line.
	private boolean flush() {
		Outcome outcome;
		while ((outcome = this.queue.poll()) != null) {
			this.unwritten.add(outcome);
		}
		while (!this.unwritten.isEmpty()) {
			Map<Shard, List<Outcome>> byShard = new LinkedHashMap<>();
			for (int i = 0; i < MAX_BATCH && !this.unwritten.isEmpty(); i++) {
				Outcome next = this.unwritten.poll();
				byShard.computeIfAbsent(next.claim().shard(), (s) -> new ArrayList<>()).add(next);
			}
			List<List<Outcome>> pending = new ArrayList<>(byShard.values());
			for (int s = 0; s < pending.size(); s++) {
				List<Outcome> outcomes = pending.get(s);
				List<String> codes;
				try {
					codes = this.ledger.settle(outcomes.get(0).claim().shard(), outcomes);
				}
				catch (RuntimeException ex) {
					for (int back = pending.size() - 1; back >= s; back--) {
						List<Outcome> unsettled = pending.get(back);
						for (int i = unsettled.size() - 1; i >= 0; i--) {
							this.unwritten.addFirst(unsettled.get(i));
						}
					}
					if (!this.failing) {
						this.failing = true;
						logger.warn("Could not record " + this.unwritten.size() + " tracked expiry outcome(s) ("
								+ NestedExceptionUtils.getMostSpecificCause(ex).getMessage()
								+ "); retrying, their leases are kept meanwhile");
					}
					return false;
				}
				for (int i = 0; i < codes.size(); i++) {
					this.recorded.accept(outcomes.get(i), codes.get(i));
				}
			}
			if (this.failing) {
				this.failing = false;
				logger.info("Tracked expiry outcomes recorded again");
			}
		}
		return true;
	}

}
