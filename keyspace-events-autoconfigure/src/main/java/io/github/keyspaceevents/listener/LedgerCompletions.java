package io.github.keyspaceevents.listener;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Records handled tracked expiries in the ledger in batches, one script per shard every few milliseconds, instead of
 * one round trip per key on the dispatch lane. A batch not yet written when the instance dies is retried after its
 * lease, like any interrupted handling: at least once, never lost.
 */
final class LedgerCompletions implements Runnable {

	private static final Log logger = LogFactory.getLog(LedgerCompletions.class);

	private static final long FLUSH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

	private static final int MAX_BATCH = 1000;

	private final ExpiryLedger ledger;

	private final Queue<String> pending = new ConcurrentLinkedQueue<>();

	private volatile boolean running;

	private volatile @Nullable Thread thread;

	LedgerCompletions(ExpiryLedger ledger) {
		this.ledger = ledger;
	}

	void add(String key) {
		this.pending.add(key);
	}

	void start(ThreadFactory threads) {
		this.running = true;
		Thread thread = threads.newThread(this);
		thread.setName("keyspace-events-ledger-completions");
		this.thread = thread;
		thread.start();
	}

	/** Stop, after writing what is pending. */
	void stop() {
		this.running = false;
		Thread thread = this.thread;
		if (thread != null) {
			LockSupport.unpark(thread);
			try {
				thread.join(TimeUnit.SECONDS.toMillis(5));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@Override
	public void run() {
		while (this.running) {
			LockSupport.parkNanos(this, FLUSH_INTERVAL_NANOS);
			flush();
		}
		flush();
	}

	private void flush() {
		while (!this.pending.isEmpty()) {
			Map<ExpiryLedger.Shard, List<String>> byShard = new LinkedHashMap<>();
			String key;
			int taken = 0;
			while (taken < MAX_BATCH && (key = this.pending.poll()) != null) {
				byShard.computeIfAbsent(this.ledger.shardOf(key), (shard) -> new ArrayList<>()).add(key);
				taken++;
			}
			byShard.forEach((shard, keys) -> {
				try {
					this.ledger.completeAll(shard, keys);
				}
				catch (RuntimeException ex) {
					logger.warn("Could not record " + keys.size() + " handled tracked expiries; they will be retried "
							+ "after their lease: " + ex.getMessage());
				}
			});
		}
	}

}
