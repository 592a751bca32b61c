package io.github.keyspaceevents.tracking;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The reply of one claim on a shard.
 *
 * @param serverMillis the Redis server's time of the claim
 * @param claims what was claimed
 * @param lookAgainAtMillis when to claim on the shard again if nothing is written meanwhile (server time): when its
 * next due entry comes within claim-ahead, then every 50 ms or when it comes within the lead; {@code null} if nothing
 * more is scheduled
 * @param nextLeaseEndMillis the next lease to end in the shard (server time), if any
 * @param foreignOverdue due entries skipped because no handler of this application matches them
 * @param scanExhausted whether every due entry was looked at
 * @param lapsed leases found lapsed and given back
 * @param buried keys buried because their last attempt's lease lapsed
 * @param horizonMillis entries due up to this time (server) were claimed: now + the lead the work due needed, at
 * most claim-ahead
 */
record ClaimRound(long serverMillis, List<Claim> claims, @Nullable Long lookAgainAtMillis, @Nullable Long nextLeaseEndMillis,
		int foreignOverdue, boolean scanExhausted, int lapsed, List<String> buried,
		long horizonMillis) {
}
