package io.github.keyspaceevents.tracking;

import java.util.List;

import org.springframework.data.redis.core.script.RedisScript;

/**
 * The ledger's transitions, each one Lua script and so one atomic step in Redis: writing, cancelling, claiming and
 * settling here, what a holder runs on its claims in {@link HolderScripts}, dead letters in {@link DeadLetterScripts}.
 * The state machine they implement is described in this package's documentation.
 * <p>
 * An entry is stored in the shard's {@code entries} hash as {@code deadline:attempts:payload}, where {@code payload}
 * is {@code v<value>}, {@code -} (no value) or, on a standalone Redis, {@code k}: the value is the tracked key's own,
 * kept once (the tracked key lives in the same script's reach there), and read from the key when the entry is claimed
 * or buried. A fresh entry with a {@code k} payload (written, never attempted, due at its deadline) has no field at
 * all: its due score is its deadline, so {@code deadline:0:k} is implied, and the claim writes the field as the entry
 * leaves the due set. That keeps a pending deadline to its due-set member and its tracked key. While it is claimed, the shard's {@code tokens} hash holds its claim's fencing token. A dead letter is
 * stored as {@code deadline:attempts:failedAt:error\npayload}; the error never holds a line break. Every script but
 * {@link #TRACK} takes the shard's keys in the order of {@link Shard#keys()}, then (standalone only) the tracked key.
 * Entries are handled in bulk calls wherever a claim or an outcome batch touches many, since per-entry Lua work is
 * what bounds how fast a spike of expiries is worked off.
 * <p>
 * Time is always the Redis server's ({@code TIME}), never an instance's clock. Computed numbers go back to Redis
 * through {@code ms()}, because Lua's default number formatting keeps only 14 digits.
 * <p>
 * The Lua source is in {@code lua/} beside this class ({@link LuaSource}): a file per script, named after its
 * constant ({@code CLAIM}: {@code claim.lua}), preceded by the shared parts it uses ({@code clock.lua},
 * {@code ledger-preamble.lua}, {@code glob.lua}).
 */
final class LedgerScripts {

	/**
	 * Write (or re-write) an entry: scheduled with a fresh state. A running attempt of an earlier write loses its
	 * token, so nothing it does afterwards touches the new entry or the key. The one script an application runs per
	 * {@code expireAt}, so it takes only the keys it touches and defines nothing it does not use (half the server time
	 * of the general preamble); its steps are those of {@link #TRACK_MANY}. Returns the deadline (server ms).
	 */
	static final RedisScript<Long> TRACK = LuaSource.script(Long.class, "track");

	/**
	 * {@link #TRACK} for many keys of one shard or (standalone) of several, each with a deadline: the same steps per
	 * key, in the order given, in one call.
	 */
	static final RedisScript<String> TRACK_MANY = LuaSource.script(String.class,
			"clock", "ledger-preamble", "track-many");

	/**
	 * Cancel from any live state. Returns 1 if the entry was scheduled, or claimed ahead of a due time not reached yet
	 * (its handlers will not run: {@link HolderScripts#BEGIN} finds the token revoked), 0 if an attempt may be running
	 * (it finishes, but is neither retried nor recorded), -1 if there was no entry.
	 */
	static final RedisScript<Long> CANCEL = LuaSource.script(Long.class, "clock", "ledger-preamble", "cancel");

	/**
	 * Give lapsed leases back (an attempt is charged, unless the claim's due time had not come; the last one buries
	 * the entry), then claim entries due by now + {@code aheadMillis} whose keys match one of the given patterns, each
	 * with a fresh fencing token {@code n@dueAt} and a lease. An entry claimed ahead of its due time is only handled
	 * after {@link HolderScripts#BEGIN} confirms, at that time, that the claim still holds. Entries no pattern matches
	 * are left untouched for the application that handles them; {@code offset} skips those seen in an earlier call.
	 */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> CLAIM = LuaSource.script(List.class, "clock", "ledger-preamble", "glob", "claim");

	/**
	 * Record the outcomes of attempts: done, failed (retry after a backoff, or bury after the last attempt) or given
	 * back (no attempt charged; due again at once, or at its due time if that has not come). An outcome whose token is
	 * no longer the entry's changes nothing ({@code stale}).
	 */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> SETTLE = LuaSource.script(List.class, "clock", "ledger-preamble", "settle");

	/** Counts for health and operations: overdue, scheduled, leased, dead letters. */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> BACKLOG = LuaSource.script(List.class, "clock", "ledger-preamble", "backlog");

	/**
	 * Make a scheduled entry due now, as if written with that deadline (attempts and value kept). A claim made ahead
	 * of its due time is taken back as a re-write takes it; a claim whose attempt may be running is left alone.
	 * Returns 1 if the entry is now due, 0 if there is none or its attempt may be running.
	 */
	static final RedisScript<Long> EXPIRE_NOW = LuaSource.script(Long.class, "clock", "ledger-preamble", "expire-now");

	/**
	 * How many entries due by a time are not ended yet: scheduled and due, or claimed with a due time not after it
	 * (running, or their outcome not written yet). Returns that count and the server's time.
	 */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> PENDING = LuaSource.script(List.class, "clock", "ledger-preamble", "pending");

	/** The namespace's shard count: the first writer's, fixed from then on so that no entry is ever stranded. */
	static final RedisScript<Long> SHARD_COUNT = LuaSource.script(Long.class, "shard-count");

	private LedgerScripts() {
	}

}
