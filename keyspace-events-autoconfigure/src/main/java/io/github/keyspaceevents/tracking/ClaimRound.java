package io.github.keyspaceevents.tracking;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The reply of one claim on a shard.
 *
 * @param serverMillis the Redis server's time of the claim
 * @param claims what was claimed
 * @param nextDueMillis the next deadline after now in the shard (server time), if any
 * @param nextLeaseEndMillis the next lease to end in the shard (server time), if any
 * @param foreignOverdue due entries skipped because no handler of this application matches them
 * @param scanExhausted whether every due entry was looked at
 * @param lapsed leases found lapsed and given back
 * @param buried keys buried because their last attempt's lease lapsed
 * @param horizonMillis entries due up to this time (server) were claimed: now + claim-ahead
 */
record ClaimRound(long serverMillis, List<Claim> claims, @Nullable Long nextDueMillis, @Nullable Long nextLeaseEndMillis,
		int foreignOverdue, boolean scanExhausted, int lapsed, List<String> buried,
		long horizonMillis) {
}
