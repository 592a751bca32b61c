package io.github.keyspaceevents.tracking;

import java.util.List;

import org.springframework.data.redis.core.script.RedisScript;

/**
 * The ledger's transitions, each one Lua script and so one atomic step in Redis. The state machine they implement is
 * described in this package's documentation.
 * <p>
 * An entry is stored in the shard's {@code entries} hash as {@code deadline:attempts:token:payload}, where
 * {@code token} is empty while the entry is scheduled and holds the claim's fencing token while it is leased, and
 * {@code payload} is {@code v<value>} or {@code -}. A dead letter is stored as
 * {@code deadline:attempts:failedAt:error\npayload}; the error never holds a line break.
 * <p>
 * Time is always the Redis server's ({@code TIME}), never an instance's clock. Computed numbers go back to Redis
 * through {@code ms()}, because Lua's default number formatting keeps only 14 digits.
 */
final class LedgerScripts {

	private static final String PREAMBLE = """
			local function ms(n) return string.format('%.0f', n) end
			local function nowMillis()
				local t = redis.call('TIME')
				return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
			end
			local function decode(e)
				return string.match(e, '^(%-?%d+):(%d+):(%d*):(.*)$')
			end
			local function encode(deadline, attempts, token, payload)
				return deadline .. ':' .. attempts .. ':' .. token .. ':' .. payload
			end
			-- One call per 1000 arguments: Lua's unpack has a stack limit.
			local function bulk(command, key, args)
				for i = 1, #args, 1000 do
					redis.call(command, key, unpack(args, i, math.min(i + 999, #args)))
				end
			end
			local function bury(dead, deadIndex, entries, k, deadline, attempts, now, reason, payload, inline)
				redis.call('HSET', dead, k, deadline .. ':' .. attempts .. ':' .. ms(now) .. ':' .. reason .. '\\n' .. payload)
				redis.call('ZADD', deadIndex, ms(now), k)
				redis.call('HDEL', entries, k)
				-- Standalone only: the tracked key goes with its entry, in the same step.
				if inline then redis.call('DEL', k) end
			end
			""";

	/**
	 * Redis' glob matcher ({@code stringmatchlen}), in Lua, so that a claim takes only keys this instance has handlers
	 * for. Range bounds compare as signed bytes, as Redis does on x86-64.
	 */
	private static final String GLOB = """
			local function signed(b) if b > 127 then return b - 256 end return b end
			local function globAt(p, pi, s, si, depth, skip)
				local plen, slen = #p, #s
				if depth > 1000 then return false end
				while pi <= plen and si <= slen do
					local c = string.byte(p, pi)
					if c == 42 then
						while pi < plen and string.byte(p, pi + 1) == 42 do pi = pi + 1 end
						if pi == plen then return true end
						while si <= slen do
							if globAt(p, pi + 1, s, si, depth + 1, skip) then return true end
							if skip[1] then return false end
							si = si + 1
						end
						skip[1] = true
						return false
					elseif c == 63 then
						si = si + 1
					elseif c == 91 then
						pi = pi + 1
						local negate = string.byte(p, pi) == 94
						if negate then pi = pi + 1 end
						local matched = false
						local sc = string.byte(s, si)
						while true do
							local pc = string.byte(p, pi)
							if pc == 92 and plen - pi + 1 >= 2 then
								pi = pi + 1
								if string.byte(p, pi) == sc then matched = true end
							elseif pc == 93 then
								break
							elseif pi > plen then
								pi = pi - 1
								break
							elseif plen - pi + 1 >= 3 and string.byte(p, pi + 1) == 45 then
								local lo, hi = signed(pc), signed(string.byte(p, pi + 2))
								if lo > hi then lo, hi = hi, lo end
								pi = pi + 2
								local sv = signed(sc)
								if sv >= lo and sv <= hi then matched = true end
							elseif pc == sc then
								matched = true
							end
							pi = pi + 1
						end
						if negate then matched = not matched end
						if not matched then return false end
						si = si + 1
					else
						if c == 92 and plen - pi + 1 >= 2 then
							pi = pi + 1
							c = string.byte(p, pi)
						end
						if c ~= string.byte(s, si) then return false end
						si = si + 1
					end
					pi = pi + 1
					if si > slen then
						while pi <= plen and string.byte(p, pi) == 42 do pi = pi + 1 end
						break
					end
				end
				return pi > plen and si > slen
			end
			local function glob(p, s) return globAt(p, 1, s, 1, 0, { false }) end
			""";

	/** Test hook: matches ARGV[1] (a pattern) against ARGV[2..]; returns the matching ones. */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> GLOB_MATCH = RedisScript.of(GLOB + """
			local out = {}
			for i = 2, #ARGV do if glob(ARGV[1], ARGV[i]) then out[#out + 1] = ARGV[i] end end
			return out
			""", List.class);

	/**
	 * Write (or re-write) an entry: scheduled with a fresh state. A running attempt of an earlier write loses its
	 * token, so nothing it does afterwards touches the new entry or the key.
	 */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> TRACK = RedisScript.of(PREAMBLE + """
			-- KEYS: due, leased, entries[, key]   ARGV: key, mode ('at' | 'after'), millis, hasValue, value
			local now = nowMillis()
			local deadline = ARGV[3]
			if ARGV[2] == 'after' then deadline = ms(now + tonumber(ARGV[3])) end
			if KEYS[4] then redis.call('SET', KEYS[4], ARGV[5]) end
			redis.call('ZREM', KEYS[2], ARGV[1])
			redis.call('ZADD', KEYS[1], deadline, ARGV[1])
			local payload = '-'
			if ARGV[4] == '1' then payload = 'v' .. ARGV[5] end
			redis.call('HSET', KEYS[3], ARGV[1], encode(deadline, 0, '', payload))
			return { deadline, ms(now) }
			""", List.class);

	/**
	 * Cancel from any live state. Returns 1 if the entry was scheduled (its handlers will not run), 0 if an attempt
	 * was running (it finishes, but is neither retried nor recorded), -1 if there was no entry.
	 */
	static final RedisScript<Long> CANCEL = RedisScript.of("""
			-- KEYS: due, leased, entries[, key]   ARGV: key
			if KEYS[4] then redis.call('DEL', KEYS[4]) end
			local scheduled = redis.call('ZREM', KEYS[1], ARGV[1])
			local running = redis.call('ZREM', KEYS[2], ARGV[1])
			redis.call('HDEL', KEYS[3], ARGV[1])
			if scheduled == 1 then return 1 elseif running == 1 then return 0 end
			return -1
			""", Long.class);

	/**
	 * Give lapsed leases back (an attempt is charged; the last one buries the entry), then claim due entries whose
	 * keys match one of the given patterns, each with a fresh fencing token and a lease. Entries no pattern matches
	 * are left untouched for the application that handles them; {@code offset} skips those seen in an earlier call.
	 */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> CLAIM = RedisScript.of(PREAMBLE + GLOB + """
			-- KEYS: due, leased, entries, seq, dead, deadIndex
			-- ARGV: leaseMillis, limit, offset, maxScan, maxAttempts, inline, pattern...
			local now = nowMillis()
			local lease, limit, offset, maxScan = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
			local maxAttempts = tonumber(ARGV[5])
			local inline = ARGV[6] == '1'
			local patterns, all = {}, false
			for i = 7, #ARGV do
				if ARGV[i] == '*' then all = true end
				patterns[#patterns + 1] = ARGV[i]
			end
			local function owns(k)
				if all then return true end
				for _, p in ipairs(patterns) do if glob(p, k) then return true end end
				return false
			end
			local lapsed, buried = 0, {}
			for _, k in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ms(now), 'LIMIT', 0, 1000)) do
				redis.call('ZREM', KEYS[2], k)
				local e = redis.call('HGET', KEYS[3], k)
				if e then
					lapsed = lapsed + 1
					local deadline, attempts, _, payload = decode(e)
					attempts = tonumber(attempts) + 1
					if attempts >= maxAttempts then
						bury(KEYS[5], KEYS[6], KEYS[3], k, deadline, attempts, now,
							'lease lapsed: the instance handling it stopped renewing it', payload, inline)
						buried[#buried + 1] = k
					else
						redis.call('HSET', KEYS[3], k, encode(deadline, attempts, '', payload))
						redis.call('ZADD', KEYS[1], ms(now), k)
					end
				end
			end
			-- Scan without removing, then claim what is ours in a few bulk calls.
			local mine, count, scanned, exhausted, pos = {}, 0, 0, false, offset
			while count < limit and scanned < maxScan do
				local batch = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ms(now), 'LIMIT', pos,
					math.min(math.max(limit - count, 100), maxScan - scanned))
				if #batch == 0 then exhausted = true break end
				for _, k in ipairs(batch) do
					if count >= limit then break end
					scanned = scanned + 1
					pos = pos + 1
					if owns(k) then
						count = count + 1
						mine[count] = k
					else
						offset = offset + 1
					end
				end
			end
			local claims = {}
			if count > 0 then
				local entries = redis.call('HMGET', KEYS[3], unpack(mine))
				bulk('ZREM', KEYS[1], mine)
				local firstToken = redis.call('INCRBY', KEYS[4], count) - count + 1
				local leaseEnd = ms(now + lease)
				local leased, updated = {}, {}
				for i, k in ipairs(mine) do
					local e = entries[i]
					if e then
						local token = tostring(firstToken + i - 1)
						local deadline, attempts, _, payload = decode(e)
						leased[#leased + 1] = leaseEnd
						leased[#leased + 1] = k
						updated[#updated + 1] = k
						updated[#updated + 1] = encode(deadline, attempts, token, payload)
						claims[#claims + 1] = k
						claims[#claims + 1] = deadline
						claims[#claims + 1] = attempts
						claims[#claims + 1] = token
						claims[#claims + 1] = payload
					end
				end
				if #leased > 0 then
					bulk('ZADD', KEYS[2], leased)
					bulk('HSET', KEYS[3], updated)
				end
			end
			local nextDue = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ms(now), '+inf', 'WITHSCORES', 'LIMIT', 0, 1)[2]
			local nextLease = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2]
			local reply = { ms(now), nextDue or '', nextLease or '', tostring(offset), exhausted and '1' or '0',
				tostring(lapsed), tostring(#buried) }
			for _, k in ipairs(buried) do reply[#reply + 1] = k end
			for _, v in ipairs(claims) do reply[#reply + 1] = v end
			return reply
			""", List.class);

	/** Extend the leases this instance still holds; returns the tokens that are no longer current. */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> RENEW = RedisScript.of(PREAMBLE + """
			-- KEYS: leased, entries   ARGV: leaseMillis, (key, token)...
			local leaseEnd = ms(nowMillis() + tonumber(ARGV[1]))
			local keys = {}
			for i = 2, #ARGV, 2 do keys[#keys + 1] = ARGV[i] end
			local entries = redis.call('HMGET', KEYS[2], unpack(keys))
			local lost, renewed = {}, {}
			for n, k in ipairs(keys) do
				local held = false
				if entries[n] then
					local _, _, token = decode(entries[n])
					held = token == ARGV[2 * n + 1]
				end
				if held then
					renewed[#renewed + 1] = leaseEnd
					renewed[#renewed + 1] = k
				else
					lost[#lost + 1] = ARGV[2 * n + 1]
				end
			end
			if #renewed > 0 then
				for i = 1, #renewed, 1000 do
					redis.call('ZADD', KEYS[1], 'XX', unpack(renewed, i, math.min(i + 999, #renewed)))
				end
			end
			return lost
			""", List.class);

	/**
	 * Record the outcomes of attempts: done, failed (retry after a backoff, or bury after the last attempt) or given
	 * back (no attempt charged). An outcome whose token is no longer the entry's changes nothing ({@code stale}).
	 */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> SETTLE = RedisScript.of(PREAMBLE + """
			-- KEYS: leased, due, entries, dead, deadIndex
			-- ARGV: maxAttempts, inline, (kind, key, token, backoffMillis, error)...
			local now = nowMillis()
			local maxAttempts = tonumber(ARGV[1])
			local inline = ARGV[2] == '1'
			local keys = {}
			for i = 4, #ARGV, 5 do keys[#keys + 1] = ARGV[i] end
			local entries = redis.call('HMGET', KEYS[3], unpack(keys))
			local out, ended, finished, scheduled, updated = {}, {}, {}, {}, {}
			for n, k in ipairs(keys) do
				local i = 3 + (n - 1) * 5
				local kind, token = ARGV[i], ARGV[i + 2]
				local code = 'stale'
				local e = entries[n]
				if e then
					local deadline, attempts, held, payload = decode(e)
					if held == token then
						ended[#ended + 1] = k
						if kind == 'c' then
							finished[#finished + 1] = k
							code = 'done'
						elseif kind == 'r' then
							updated[#updated + 1] = k
							updated[#updated + 1] = encode(deadline, attempts, '', payload)
							scheduled[#scheduled + 1] = ms(now)
							scheduled[#scheduled + 1] = k
							code = 'released'
						else
							attempts = tonumber(attempts) + 1
							if attempts >= maxAttempts then
								bury(KEYS[4], KEYS[5], KEYS[3], k, deadline, attempts, now, ARGV[i + 4], payload, inline)
								code = 'dead'
							else
								updated[#updated + 1] = k
								updated[#updated + 1] = encode(deadline, attempts, '', payload)
								scheduled[#scheduled + 1] = ms(now + tonumber(ARGV[i + 3]))
								scheduled[#scheduled + 1] = k
								code = 'retry'
							end
						end
					end
				end
				out[n] = code
			end
			if #ended > 0 then bulk('ZREM', KEYS[1], ended) end
			if #finished > 0 then
				bulk('HDEL', KEYS[3], finished)
				-- Standalone only: the tracked keys go with their entries, in the same step.
				if inline then
					for i = 1, #finished, 1000 do redis.call('DEL', unpack(finished, i, math.min(i + 999, #finished))) end
				end
			end
			if #updated > 0 then
				bulk('HSET', KEYS[3], updated)
				bulk('ZADD', KEYS[2], scheduled)
			end
			return out
			""", List.class);

	/**
	 * Schedule a dead letter again, as a fresh entry due now. Returns {@code {'1', payload}}, or {@code {'0'}} while
	 * a live entry of the key exists, or {@code {'-1'}} if there is no such dead letter.
	 */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> RETRY_DEAD = RedisScript.of(PREAMBLE + """
			-- KEYS: due, entries, dead, deadIndex[, key]   ARGV: key
			if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return { '0' } end
			local d = redis.call('HGET', KEYS[3], ARGV[1])
			if not d then return { '-1' } end
			local deadline, payload = string.match(d, '^(%-?%d+):%d+:%-?%d+:[^\\n]*\\n(.*)$')
			redis.call('HDEL', KEYS[3], ARGV[1])
			redis.call('ZREM', KEYS[4], ARGV[1])
			redis.call('HSET', KEYS[2], ARGV[1], encode(deadline, 0, '', payload))
			redis.call('ZADD', KEYS[1], ms(nowMillis()), ARGV[1])
			if KEYS[5] then
				local value = ''
				if string.sub(payload, 1, 1) == 'v' then value = string.sub(payload, 2) end
				redis.call('SET', KEYS[5], value)
			end
			return { '1', payload }
			""", List.class);

	/** Delete dead letters: the given keys, or ({@code olderThanMillis} set) those buried longer ago than that. */
	static final RedisScript<Long> DELETE_DEAD = RedisScript.of(PREAMBLE + """
			-- KEYS: dead, deadIndex   ARGV: olderThanMillis (or ''), key...
			local keys = {}
			if ARGV[1] ~= '' then
				keys = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ms(nowMillis() - tonumber(ARGV[1])), 'LIMIT', 0, 1000)
			else
				for i = 2, #ARGV do keys[#keys + 1] = ARGV[i] end
			end
			local deleted = 0
			for _, k in ipairs(keys) do
				deleted = deleted + redis.call('HDEL', KEYS[1], k)
				redis.call('ZREM', KEYS[2], k)
			end
			return deleted
			""", Long.class);

	/** The oldest dead letters of a shard: {@code key, encoded} pairs. */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> LIST_DEAD = RedisScript.of("""
			-- KEYS: dead, deadIndex   ARGV: count
			local out = {}
			for _, k in ipairs(redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[1]) - 1)) do
				local d = redis.call('HGET', KEYS[1], k)
				if d then
					out[#out + 1] = k
					out[#out + 1] = d
				end
			end
			return out
			""", List.class);

	/** Counts for health and operations: overdue, scheduled, leased, dead letters. */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> BACKLOG = RedisScript.of(PREAMBLE + """
			-- KEYS: due, leased, deadIndex
			return { redis.call('ZCOUNT', KEYS[1], '-inf', ms(nowMillis())), redis.call('ZCARD', KEYS[1]),
				redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3]) }
			""", List.class);

	/** The namespace's shard count: the first writer's, fixed from then on so that no entry is ever stranded. */
	static final RedisScript<Long> SHARD_COUNT = RedisScript.of("""
			-- KEYS: meta   ARGV: configured
			redis.call('HSETNX', KEYS[1], 'shards', ARGV[1])
			return tonumber(redis.call('HGET', KEYS[1], 'shards'))
			""", Long.class);

	private LedgerScripts() {
	}

}
