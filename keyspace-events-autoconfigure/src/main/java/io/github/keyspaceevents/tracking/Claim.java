package io.github.keyspaceevents.tracking;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * An entry this instance claimed: it may run the handlers for it as long as its token is the entry's.
 *
 * @param shard the entry's shard
 * @param key the tracked key
 * @param value the value it was written with, if any
 * @param deadline its deadline
 * @param attempts failed attempts before this one
 * @param token the fencing token of this claim, {@code n@dueAt}: a counter, and the due time (server millis) from which
 * its attempt may begin
 * @param leaseEndMillis when its lease ends (server millis) as the claim set it: renewals only move the end later, so
 * until then the claim can be lost only to a cancel or a re-write
 * @param startAtMillis the due time in the token, parsed once: claims waiting for it are ordered by it
 */
record Claim(Shard shard, String key, @Nullable String value, Instant deadline, int attempts, String token,
		long leaseEndMillis, long startAtMillis) {

	Claim(Shard shard, String key, @Nullable String value, Instant deadline, int attempts, String token,
			long leaseEndMillis) {
		this(shard, key, value, deadline, attempts, token, leaseEndMillis,
				Long.parseLong(token, token.indexOf('@') + 1, token.length(), 10));
	}

}
