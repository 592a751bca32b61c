package io.github.keyspaceevents.tracking;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.ObjLongConsumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.NestedExceptionUtils;

/**
 * Claims taken before their due time, held until it comes. Claiming is what costs Redis time per entry; done ahead,
 * a burst of expiries due at the same moment only needs one read-only check at that moment, whose cost does not grow
 * with the burst ({@link ExpiryLedger#begin}), which is what lets it start on time. The check is the fence: an entry
 * cancelled, re-written or taken over since its claim does not begin.
 */
final class ClaimsAhead {

	private static final Log logger = LogFactory.getLog(ClaimsAhead.class);

	private static final long RETRY_WHEN_UNREACHABLE_MILLIS = 100;

	private final ExpiryLedger ledger;

	private final ServerClock serverClock;

	private final ObjLongConsumer<Claim> begun;

	private final Consumer<Claim> lost;

	// By due time: the claims of a burst share one, and are taken at once. Guarded by itself.
	private final TreeMap<Long, List<Claim>> waiting = new TreeMap<>();

	private int size;

	private volatile boolean running;

	private volatile boolean startingBurst;

	private volatile @Nullable Thread thread;

	/**
	 * @param ledger the ledger
	 * @param serverClock the estimate of the Redis server's clock
	 * @param begun takes a claim confirmed at its due time, to run its handlers, and the server time at which the check
	 * renewed its lease ({@code Long.MIN_VALUE} if it did not have to)
	 * @param lost takes a claim that no longer holds: its handlers must not run and it has no outcome to write
	 */
	ClaimsAhead(ExpiryLedger ledger, ServerClock serverClock, ObjLongConsumer<Claim> begun, Consumer<Claim> lost) {
		this.ledger = ledger;
		this.serverClock = serverClock;
		this.begun = begun;
		this.lost = lost;
	}

	void start(ThreadFactory threads) {
		this.running = true;
		Thread thread = threads.newThread(this::run);
		thread.setName("keyspace-events-expiry-starter");
		this.thread = thread;
		thread.start();
	}

	/** Stop, joining the thread; what still waits is left to the caller, which gives it back. */
	void stop() {
		this.running = false;
		Thread thread = this.thread;
		if (thread != null) {
			LockSupport.unpark(thread);
			try {
				thread.join(TimeUnit.SECONDS.toMillis(10));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			this.thread = null;
		}
	}

	void add(Claim claim) {
		boolean first;
		synchronized (this.waiting) {
			this.waiting.computeIfAbsent(claim.startAtMillis(), (at) -> new ArrayList<>()).add(claim);
			first = this.waiting.firstKey() == claim.startAtMillis();
			this.size++;
		}
		if (first) {
			LockSupport.unpark(this.thread);
		}
	}

	/** @return whether a burst (more than a thousand claims due at once) is being started now */
	boolean startingBurst() {
		return this.startingBurst;
	}

	int size() {
		synchronized (this.waiting) {
			return this.size;
		}
	}

	private void run() {
		boolean reachable = true;
		while (this.running) {
			long now = this.serverClock.nowMillis();
			List<Claim> ready = takeReady(now);
			if (ready.isEmpty()) {
				park(now);
				continue;
			}
			this.startingBurst = ready.size() > ExpiryLedger.MAX_PER_CALL;
			try {
				beginAll(ready);
				if (!reachable) {
					reachable = true;
					logger.info("Tracked expirations: claims held ahead of their due time are being started again");
				}
			}
			catch (RuntimeException ex) {
				// Held again (by beginAll) and renewed; should the lease lapse and the entry be taken over meanwhile,
				// the check fails and another claim handles the entry; if it lapsed but nobody took it, the check
				// renews the lease as it confirms the claim.
				if (reachable) {
					reachable = false;
					logger.warn("Tracked expirations: could not confirm claims at their due time ("
							+ NestedExceptionUtils.getMostSpecificCause(ex).getMessage() + "); retrying");
				}
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(RETRY_WHEN_UNREACHABLE_MILLIS));
			}
			finally {
				this.startingBurst = false;
			}
		}
	}

	private List<Claim> takeReady(long serverNow) {
		List<Claim> ready = null;
		synchronized (this.waiting) {
			Map.Entry<Long, List<Claim>> next;
			while ((next = this.waiting.firstEntry()) != null && next.getKey() <= serverNow) {
				this.waiting.pollFirstEntry();
				if (ready == null) {
					ready = next.getValue();
				}
				else {
					ready.addAll(next.getValue());
				}
			}
			if (ready != null) {
				this.size -= ready.size();
			}
		}
		return (ready != null) ? ready : List.of();
	}

	private void beginAll(List<Claim> ready) {
		ExpiryLedger.Begin begin;
		long sentAt = System.currentTimeMillis();
		try {
			begin = this.ledger.begin(ready);
		}
		catch (RuntimeException ex) {
			ready.forEach(this::add);
			throw ex;
		}
		this.serverClock.sample(begin.serverMillis(), sentAt);
		List<Boolean> current = begin.current();
		if (current == null) {
			// This instance's estimate of the server's clock ran ahead: hold them again and wait for the server's.
			ready.forEach(this::add);
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
			return;
		}
		for (int i = 0; i < ready.size(); i++) {
			if (current.get(i)) {
				this.begun.accept(ready.get(i), begin.renewedAtMillis()[i]);
			}
			else {
				this.lost.accept(ready.get(i));
			}
		}
	}

	private void park(long serverNow) {
		Long next;
		synchronized (this.waiting) {
			next = this.waiting.isEmpty() ? null : this.waiting.firstKey();
		}
		if (!this.running) {
			return;
		}
		if (next == null) {
			LockSupport.park(this);
		}
		else {
			LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(Math.max(1, next - serverNow)));
		}
	}

}
