package io.github.keyspaceevents.tracking;

import java.time.Duration;

/**
 * How many claimed expiries this instance may hold at once. It follows how long handlers actually take, so that an
 * entry waits in a lane queue for at most a third of its lease: a backlog with slow handlers is claimed as fast as the
 * lanes finish it, not as fast as Redis can hand it out. (Leases are renewed as well; this keeps the queue short.)
 */
final class ClaimPace {

	private static final int PER_LANE_BEFORE_MEASURING = 8;

	private final long budgetNanos;

	private final int lanes;

	private final int max;

	// Exponentially weighted mean of handler time; 0 until the first attempt ends.
	private volatile double meanNanos;

	ClaimPace(Duration lease, int lanes, int max) {
		this.budgetNanos = lease.toNanos() / 3;
		this.lanes = lanes;
		this.max = Math.max(lanes, max);
	}

	void handled(long nanos) {
		double mean = this.meanNanos;
		this.meanNanos = (mean == 0) ? nanos : mean * 0.9 + nanos * 0.1;
	}

	int capacity() {
		double mean = this.meanNanos;
		if (mean == 0) {
			return Math.min(this.max, this.lanes * PER_LANE_BEFORE_MEASURING);
		}
		double perLane = Math.max(1, this.budgetNanos / Math.max(mean, 1));
		return (int) Math.min(this.max, Math.max(this.lanes, this.lanes * perLane));
	}

}
