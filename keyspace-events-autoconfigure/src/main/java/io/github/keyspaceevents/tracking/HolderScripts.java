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
	static final RedisScript<List> RENEW = RedisScript.of(LedgerScripts.PREAMBLE + """
			-- ARGV: leaseMillis, (key, token)...
			local leaseEnd = ms(nowMillis() + tonumber(ARGV[1]))
			local keys = {}
			for i = 2, #ARGV, 2 do keys[#keys + 1] = ARGV[i] end
			local held = redis.call('HMGET', tokens, unpack(keys))
			local lost, renewed = {}, {}
			for n, k in ipairs(keys) do
				local token = ARGV[2 * n + 1]
				if held[n] == token then
					renewed[#renewed + 1] = leaseEnd
					renewed[#renewed + 1] = k
				else
					lost[#lost + 1] = token
				end
			end
			for i = 1, #renewed, 1000 do
				redis.call('ZADD', leased, 'XX', unpack(renewed, i, math.min(i + 999, #renewed)))
			end
			return lost
			""", List.class);

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
	static final RedisScript<List> BEGIN = RedisScript.of(LedgerScripts.CLOCK + """
			-- KEYS: revoked sets of one shard or (standalone) several   ARGV: startAt (the latest of the claims)
			local now = nowMillis()
			if now < tonumber(ARGV[1]) then return { ms(now), 'wait' } end
			local out = { ms(now) }
			for s = 1, #KEYS do
				local taken = redis.call('ZRANGEBYSCORE', KEYS[s], '(' .. ms(now), '+inf')
				out[#out + 1] = tostring(#taken)
				for _, token in ipairs(taken) do out[#out + 1] = token end
			end
			return out
			""", List.class);

	/**
	 * Whether claims still hold, each looked up: for claims whose holder cannot rule out that their lease ended (see
	 * {@link #BEGIN}). Returns the server time, then {@code 1} or {@code 0} per claim. Takes only the {@code tokens}
	 * hashes, of one shard or (standalone) of several, so that one round trip serves them all.
	 */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> HELD = RedisScript.of(LedgerScripts.CLOCK + """
			-- KEYS: tokens hashes   ARGV: per hash: n, (key, token) × n
			local out = { ms(nowMillis()) }
			local i = 1
			for s = 1, #KEYS do
				local n = tonumber(ARGV[i])
				i = i + 1
				if n > 0 then
					local keys = {}
					for j = 0, n - 1 do keys[j + 1] = ARGV[i + 2 * j] end
					local held = redis.call('HMGET', KEYS[s], unpack(keys))
					for j = 0, n - 1 do
						if held[j + 1] == ARGV[i + 2 * j + 1] then out[#out + 1] = '1' else out[#out + 1] = '0' end
					end
					i = i + 2 * n
				end
			end
			return out
			""", List.class);

	private HolderScripts() {
	}

}
