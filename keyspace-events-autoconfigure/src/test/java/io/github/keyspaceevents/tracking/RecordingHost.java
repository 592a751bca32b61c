package io.github.keyspaceevents.tracking;

import java.util.ArrayList;
import java.util.List;

/**
 * Holds claim attempts for tests, in place of the scheduler: records what they settle as and ask, runs nothing.
 */
final class RecordingHost implements ClaimAttempt.Host {

	final List<Outcome> outcomes = new ArrayList<>();

	final List<Claim> forgotten = new ArrayList<>();

	final List<Long> renewedAtAsked = new ArrayList<>();

	boolean leaseEnded;

	@Override
	public boolean closed() {
		return false;
	}

	@Override
	public void forget(Claim claim) {
		this.forgotten.add(claim);
	}

	@Override
	public boolean leaseMayHaveEnded(long renewedAtMillis) {
		this.renewedAtAsked.add(renewedAtMillis);
		return this.leaseEnded;
	}

	@Override
	public void began(Claim claim) {
	}

	@Override
	public void ran(long nanos) {
	}

	@Override
	public void settle(Outcome outcome) {
		this.outcomes.add(outcome);
	}

}
