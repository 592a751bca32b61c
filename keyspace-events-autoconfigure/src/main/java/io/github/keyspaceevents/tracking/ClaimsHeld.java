package io.github.keyspaceevents.tracking;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

/**
 * The claims this instance holds, from the claim until their outcome is recorded: waiting for their due time, queued
 * on a lane, running, or waiting for the outcome writer. Their leases are renewed while they are held, so that a
 * claim never lapses only because it waited here.
 */
final class ClaimsHeld {

	// By shard index, then token: tokens count per shard, so only both together name a claim. Two levels rather than
	// one key built per claim: the tokens are strings the claims hold already, and nothing is allocated per look-up.
	private final Map<Integer, Map<String, ClaimAttempt>> byShard = new ConcurrentHashMap<>();

	private final ExpiryLedger ledger;

	private final long renewIntervalMillis;

	ClaimsHeld(ExpiryLedger ledger, long renewIntervalMillis) {
		this.ledger = ledger;
		this.renewIntervalMillis = renewIntervalMillis;
	}

	void add(ClaimAttempt attempt) {
		Claim claim = attempt.claim();
		this.byShard.computeIfAbsent(claim.shard().index(), (index) -> new ConcurrentHashMap<>())
			.put(claim.token(), attempt);
	}

	@Nullable ClaimAttempt get(Claim claim) {
		return get(claim.shard(), claim.token());
	}

	@Nullable ClaimAttempt remove(Claim claim) {
		Map<String, ClaimAttempt> held = this.byShard.get(claim.shard().index());
		return (held != null) ? held.remove(claim.token()) : null;
	}

	int size() {
		int size = 0;
		for (Map<String, ClaimAttempt> held : this.byShard.values()) {
			size += held.size();
		}
		return size;
	}

	private @Nullable ClaimAttempt get(Shard shard, String token) {
		Map<String, ClaimAttempt> held = this.byShard.get(shard.index());
		return (held != null) ? held.get(token) : null;
	}

	private Stream<ClaimAttempt> all() {
		return this.byShard.values().stream().flatMap((held) -> held.values().stream());
	}

	/**
	 * Renew the leases that are half a renewal interval old (a burst just claimed costs no renewal round); claims the
	 * ledger says are no longer this instance's are lost.
	 * @param serverNowMillis the server's time
	 */
	void renew(long serverNowMillis) {
		long dueAfter = this.renewIntervalMillis / 2;
		Map<Shard, List<ClaimAttempt>> toRenew = new LinkedHashMap<>();
		all().filter((attempt) -> serverNowMillis - attempt.renewedAtMillis() >= dueAfter)
			.forEach((attempt) -> toRenew.computeIfAbsent(attempt.claim().shard(), (s) -> new ArrayList<>())
				.add(attempt));
		toRenew.forEach((shard, attempts) -> {
			List<String> lostTokens = this.ledger.renew(shard, attempts.stream().map(ClaimAttempt::claim).toList());
			attempts.forEach((attempt) -> attempt.renewed(serverNowMillis));
			for (String lostToken : lostTokens) {
				ClaimAttempt attempt = get(shard, lostToken);
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
		all().forEach(ClaimAttempt::giveBackUnstarted);
		long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
		while (all().anyMatch((attempt) -> !attempt.settled())
				&& System.nanoTime() - until < 0) {
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
		}
	}

}
