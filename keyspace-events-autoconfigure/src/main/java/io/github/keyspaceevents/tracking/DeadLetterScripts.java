package io.github.keyspaceevents.tracking;

import java.util.List;

import org.springframework.data.redis.core.script.RedisScript;

/**
 * The ledger's dead-letter transitions and reads, each one Lua script on one shard (see {@link LedgerScripts} for the
 * stored forms).
 */
final class DeadLetterScripts {

	/**
	 * Schedule a dead letter again, as a fresh entry due now. Returns {@code {'1', payload}}, or {@code {'0'}} while
	 * a live entry of the key exists, or {@code {'-1'}} if there is no such dead letter.
	 */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> RETRY_DEAD = LuaSource.script(List.class, "clock", "ledger-preamble", "retry-dead");

	/** Delete dead letters: the given keys, or ({@code olderThanMillis} set) those buried longer ago than that. */
	static final RedisScript<Long> DELETE_DEAD = LuaSource.script(Long.class,
			"clock", "ledger-preamble", "delete-dead");

	/** The oldest dead letters of a shard: {@code key, encoded} pairs. */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> LIST_DEAD = LuaSource.script(List.class, "clock", "ledger-preamble", "list-dead");

	private DeadLetterScripts() {
	}

}
