package io.github.keyspaceevents.tracking;

import java.util.List;

import org.springframework.data.redis.core.script.RedisScript;

/**
 * The scripts a claim's holder runs to keep its claims and to learn, at their due time, whether they may begin (see
 * {@link LedgerScripts} for the stored forms and the other transitions).
 */
final class HolderScripts {

	/** Extend the leases this instance still holds; returns the tokens that are no longer current. */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> RENEW = LuaSource.script(List.class, "clock", "ledger-preamble", "renew");

	/**
	 * Let claims made ahead of their due time begin, at that time. Returns the server time, then {@code wait} if that
	 * time is before {@code startAt}, else per shard the number and the tokens of claims cancelled or re-written while
	 * their lease had not yet ended ({@code revoked}). A claim may begin if its token is not among them and its lease,
	 * as its holder knows it, ends after that time: a claim can only be taken over once its lease ended. So a burst of
	 * any size begins in one round trip whose cost does not grow with the burst; a holder whose lease may have ended
	 * asks {@link #HELD} instead. Reads only: a cancel after this sees the due time passed and reports the attempt as
	 * possibly running.
	 */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> BEGIN = LuaSource.script(List.class, "clock", "begin");

	/**
	 * Whether claims still hold, each looked up: for claims whose holder cannot rule out that their lease ended (see
	 * {@link #BEGIN}). Returns the server time, then {@code 1} or {@code 0} per claim. A claim that holds has its lease
	 * renewed in the same step: its lease may have ended without anyone taking it over yet, and the next claim would
	 * take it over while its attempt begins. Takes the {@code tokens} hash and {@code leased} set of one shard or
	 * (standalone) of several, so that one round trip serves them all.
	 */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> HELD = LuaSource.script(List.class, "clock", "held");

	private HolderScripts() {
	}

}
