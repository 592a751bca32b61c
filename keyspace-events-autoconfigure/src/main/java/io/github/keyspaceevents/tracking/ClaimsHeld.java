package io.github.keyspaceevents.tracking;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.jspecify.annotations.Nullable;

/**
 * The claims this instance holds, from the claim until their outcome is recorded: waiting for their due time, queued
 * on a lane, running, or waiting for the outcome writer. Their leases are renewed while they are held, so that a
 * claim never lapses only because it waited here.
 */
final class ClaimsHeld {

	// By claim id: tokens count per shard, so only shard and token together name a claim.
	private final Map<String, ClaimAttempt> attempts = new ConcurrentHashMap<>();

	private final ExpiryLedger ledger;

	private final long renewIntervalMillis;

	ClaimsHeld(ExpiryLedger ledger, long renewIntervalMillis) {
		this.ledger = ledger;
		this.renewIntervalMillis = renewIntervalMillis;
	}

	void add(ClaimAttempt attempt) {
		this.attempts.put(attempt.claim().id(), attempt);
	}

	@Nullable ClaimAttempt get(Claim claim) {
		return this.attempts.get(claim.id());
	}

	@Nullable ClaimAttempt remove(Claim claim) {
		return this.attempts.remove(claim.id());
	}

	int size() {
		return this.attempts.size();
	}

	/**
	 * Renew the leases that are half a renewal interval old (a burst just claimed costs no renewal round); claims the
	 * ledger says are no longer this instance's are lost.
	 * @param serverNowMillis the server's time
	 */
	void renew(long serverNowMillis) {
		long dueAfter = this.renewIntervalMillis / 2;
		Map<Shard, List<ClaimAttempt>> byShard = new LinkedHashMap<>();
		for (ClaimAttempt attempt : this.attempts.values()) {
			if (serverNowMillis - attempt.renewedAtMillis() >= dueAfter) {
				byShard.computeIfAbsent(attempt.claim().shard(), (s) -> new ArrayList<>()).add(attempt);
			}
		}
		byShard.forEach((shard, attempts) -> {
			List<String> lostTokens = this.ledger.renew(shard, attempts.stream().map(ClaimAttempt::claim).toList());
			attempts.forEach((attempt) -> attempt.renewed(serverNowMillis));
			for (String lostToken : lostTokens) {
				ClaimAttempt attempt = this.attempts.get(shard.index() + ":" + lostToken);
				if (attempt != null) {
					attempt.lose();
				}
			}
		});
	}

	/**
	 * At shutdown: give back what has not begun, and wait for running attempts to settle (the lanes normally stopped
	 * already), so that their outcomes can be written before the last thread ends.
	 * @param timeoutMillis how long to wait for running attempts
	 */
	void giveBackAndAwait(long timeoutMillis) {
		this.attempts.values().forEach(ClaimAttempt::giveBackUnstarted);
		long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
		while (this.attempts.values().stream().anyMatch((attempt) -> !attempt.settled())
				&& System.nanoTime() - until < 0) {
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
		}
	}

}
