package io.github.keyspaceevents.tracking;

import io.github.keyspaceevents.dispatch.TrackedAttempt;
import org.jspecify.annotations.Nullable;

/**
 * One claimed expiry on its way through a lane: it begins only if its claim was not lost meanwhile, its lease cannot
 * have ended (as far as this instance knows when it last renewed it), and the scheduler is not closing; it settles
 * exactly once (done, failed or given back).
 */
final class ClaimAttempt implements TrackedAttempt {

	/** What an attempt needs from the scheduler that holds it. */
	interface Host {

		boolean closed();

		/** The claim is no longer this instance's: drop it. */
		void forget(Claim claim);

		/**
		 * @param renewedAtMillis the server time at which the lease last started, as this instance estimated it
		 * @return whether the lease may have ended by now: Redis was out of reach for most of a lease, and the entry
		 * may have been taken over without this instance having heard of it yet
		 */
		boolean leaseMayHaveEnded(long renewedAtMillis);

		/** The handlers are about to run: report the lag. */
		void began(Claim claim);

		/** The handlers ran for this long. */
		void ran(long nanos);

		void settle(Outcome outcome);

	}

	private final Claim claim;

	private final TrackingSettings settings;

	private final Host host;

	private volatile boolean lost;

	private volatile boolean started;

	private volatile boolean settled;

	private long startedNanos;

	// The server time of the claim, then of the last renewal (as this instance's clock estimates it).
	private volatile long renewedAtMillis;

	ClaimAttempt(Claim claim, TrackingSettings settings, Host host) {
		this.claim = claim;
		this.settings = settings;
		this.host = host;
		this.renewedAtMillis = claim.leaseEndMillis() - settings.lease().toMillis();
	}

	Claim claim() {
		return this.claim;
	}

	boolean settled() {
		return this.settled;
	}

	long renewedAtMillis() {
		return this.renewedAtMillis;
	}

	void renewed(long serverMillis) {
		this.renewedAtMillis = Math.max(this.renewedAtMillis, serverMillis);
	}

	@Override
	public synchronized boolean begin() {
		if (this.lost || this.settled || this.host.closed()) {
			if (this.lost) {
				this.host.forget(this.claim);
			}
			return false;
		}
		if (this.host.leaseMayHaveEnded(this.renewedAtMillis)) {
			// Given back, fenced by the token: claimed again, by whoever gets it first, unless it was taken over.
			settle(Outcome.givenBack(this.claim));
			return false;
		}
		this.started = true;
		this.startedNanos = System.nanoTime();
		this.host.began(this.claim);
		return true;
	}

	@Override
	public void end(@Nullable Throwable failure) {
		this.host.ran(System.nanoTime() - this.startedNanos);
		settle((failure != null) ? Outcome.failed(this.claim, this.settings.retryBackoffMillis(this.claim.attempts()),
				describe(failure)) : Outcome.done(this.claim));
	}

	@Override
	public void giveBack() {
		settle(Outcome.givenBack(this.claim));
	}

	synchronized void giveBackUnstarted() {
		if (!this.started && !this.settled) {
			settle(Outcome.givenBack(this.claim));
		}
	}

	// Renewal found the claim no longer current: cancelled, re-written or taken over. Skip it if not begun.
	void lose() {
		this.lost = true;
	}

	private synchronized void settle(Outcome outcome) {
		if (this.settled) {
			return;
		}
		this.settled = true;
		this.host.settle(outcome);
	}

	// Dead letters and the ledger keep the error on one line.
	private static String describe(Throwable failure) {
		return (failure.getClass().getName() + ": " + failure.getMessage()).replace('\r', ' ').replace('\n', ' ');
	}

}
