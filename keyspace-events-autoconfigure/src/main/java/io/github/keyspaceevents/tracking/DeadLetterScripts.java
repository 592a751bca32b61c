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
	static final RedisScript<List> RETRY_DEAD = RedisScript.of(LedgerScripts.PREAMBLE + """
			-- ARGV: key
			if redis.call('HEXISTS', entries, ARGV[1]) == 1 then return { '0' } end
			local d = redis.call('HGET', dead, ARGV[1])
			if not d then return { '-1' } end
			local deadline, payload = string.match(d, '^(%-?%d+):%d+:%-?%d+:[^\\n]*\\n(.*)$')
			redis.call('HDEL', dead, ARGV[1])
			redis.call('ZREM', deadIndex, ARGV[1])
			local stored = payload
			if KEYS[9] then
				local value = ''
				if string.sub(payload, 1, 1) == 'v' then
					value = string.sub(payload, 2)
					stored = 'k'
				end
				redis.call('SET', KEYS[9], value)
			end
			redis.call('HSET', entries, ARGV[1], deadline .. ':0:' .. stored)
			redis.call('ZADD', due, ms(nowMillis()), ARGV[1])
			return { '1', payload }
			""", List.class);

	/** Delete dead letters: the given keys, or ({@code olderThanMillis} set) those buried longer ago than that. */
	static final RedisScript<Long> DELETE_DEAD = RedisScript.of(LedgerScripts.PREAMBLE + """
			-- ARGV: olderThanMillis (or ''), key...
			local keys = {}
			if ARGV[1] ~= '' then
				keys = redis.call('ZRANGEBYSCORE', deadIndex, '-inf', ms(nowMillis() - tonumber(ARGV[1])), 'LIMIT', 0, 1000)
			else
				for i = 2, #ARGV do keys[#keys + 1] = ARGV[i] end
			end
			local deleted = 0
			for _, k in ipairs(keys) do
				deleted = deleted + redis.call('HDEL', dead, k)
				redis.call('ZREM', deadIndex, k)
			end
			return deleted
			""", Long.class);

	/** The oldest dead letters of a shard: {@code key, encoded} pairs. */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> LIST_DEAD = RedisScript.of(LedgerScripts.PREAMBLE + """
			-- ARGV: count
			local out = {}
			for _, k in ipairs(redis.call('ZRANGE', deadIndex, 0, tonumber(ARGV[1]) - 1)) do
				local d = redis.call('HGET', dead, k)
				if d then
					out[#out + 1] = k
					out[#out + 1] = d
				end
			end
			return out
			""", List.class);

	private DeadLetterScripts() {
	}

}
