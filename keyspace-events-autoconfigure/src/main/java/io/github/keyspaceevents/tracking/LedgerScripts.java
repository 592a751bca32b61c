package io.github.keyspaceevents.tracking;

import java.util.List;

import org.springframework.data.redis.core.script.RedisScript;

/**
 * The ledger's transitions, each one Lua script and so one atomic step in Redis. The state machine they implement is
 * described in this package's documentation.
 * <p>
 * An entry is stored in the shard's {@code entries} hash as {@code deadline:attempts:payload}, where {@code payload}
 * is {@code v<value>} or {@code -}; while it is claimed, the shard's {@code tokens} hash holds its claim's fencing
 * token. A dead letter is stored as {@code deadline:attempts:failedAt:error\npayload}; the error never holds a line
 * break. Every script takes the shard's keys in the order of {@link Shard#keys()}, then (standalone only) the tracked
 * key. Entries are handled in bulk calls wherever a claim or an outcome batch touches many, since per-entry Lua work
 * is what bounds how fast a spike of expiries is worked off.
 * <p>
 * Time is always the Redis server's ({@code TIME}), never an instance's clock. Computed numbers go back to Redis
 * through {@code ms()}, because Lua's default number formatting keeps only 14 digits.
 */
final class LedgerScripts {

	private static final String CLOCK = """
			local function ms(n) return string.format('%.0f', n) end
			local function nowMillis()
				local t = redis.call('TIME')
				return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
			end
			""";

	private static final String PREAMBLE = """
			local due, leased, entries, tokens, seq, dead, deadIndex, revoked = KEYS[1], KEYS[2], KEYS[3], KEYS[4],
				KEYS[5], KEYS[6], KEYS[7], KEYS[8]
			""" + CLOCK + """
			local function decode(e)
				return string.match(e, '^(%-?%d+):(%d+):(.*)$')
			end
			-- A claim's token ends with the time (ms) its attempt may begin: the entry's due time when claimed.
			local function startOf(held)
				return tonumber(string.match(held, '@(%-?%d+)$'))
			end
			-- One call per 1000 arguments: Lua's unpack has a stack limit.
			local function bulk(command, key, args)
				for i = 1, #args, 1000 do
					redis.call(command, key, unpack(args, i, math.min(i + 999, #args)))
				end
			end
			-- A claim taken from its holder by a cancel or re-write is remembered until its lease would have ended, so
			-- that BEGIN can tell a holder whose claim was taken without looking up each claim (see BEGIN).
			local function revoke(k)
				local held = redis.call('HGET', tokens, k)
				if held then
					local leaseEnd = redis.call('ZSCORE', leased, k)
					if leaseEnd then redis.call('ZADD', revoked, leaseEnd, held) end
				end
				return held
			end
			local function bury(k, deadline, attempts, now, reason, payload, inline)
				redis.call('HSET', dead, k, deadline .. ':' .. attempts .. ':' .. ms(now) .. ':' .. reason .. '\\n' .. payload)
				redis.call('ZADD', deadIndex, ms(now), k)
				redis.call('HDEL', entries, k)
				redis.call('HDEL', tokens, k)
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
			local function glob(p, s)
				-- As KEYS: a lone '*' matches every key, the empty one included.
				if p == '*' then return true end
				return globAt(p, 1, s, 1, 0, { false })
			end
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
			-- ARGV: key, mode ('at' | 'after'), millis, hasValue, value
			local now = nowMillis()
			local deadline = ARGV[3]
			if ARGV[2] == 'after' then deadline = ms(now + tonumber(ARGV[3])) end
			if KEYS[9] then redis.call('SET', KEYS[9], ARGV[5]) end
			redis.call('ZREMRANGEBYSCORE', revoked, '-inf', ms(now))
			revoke(ARGV[1])
			redis.call('ZREM', leased, ARGV[1])
			redis.call('HDEL', tokens, ARGV[1])
			redis.call('ZADD', due, deadline, ARGV[1])
			local payload = '-'
			if ARGV[4] == '1' then payload = 'v' .. ARGV[5] end
			redis.call('HSET', entries, ARGV[1], deadline .. ':0:' .. payload)
			return { deadline, ms(now) }
			""", List.class);

	/**
	 * Cancel from any live state. Returns 1 if the entry was scheduled, or claimed ahead of a due time not reached yet
	 * (its handlers will not run: {@link #BEGIN} fails), 0 if an attempt may be running (it finishes, but is neither
	 * retried nor recorded), -1 if there was no entry.
	 */
	static final RedisScript<Long> CANCEL = RedisScript.of(PREAMBLE + """
			-- ARGV: key
			if KEYS[9] then redis.call('DEL', KEYS[9]) end
			local held = revoke(ARGV[1])
			local scheduled = redis.call('ZREM', due, ARGV[1])
			local running = redis.call('ZREM', leased, ARGV[1])
			redis.call('HDEL', entries, ARGV[1])
			redis.call('HDEL', tokens, ARGV[1])
			if scheduled == 1 then return 1 end
			if running == 1 then
				if held and startOf(held) > nowMillis() then return 1 end
				return 0
			end
			return -1
			""", Long.class);

	/**
	 * Give lapsed leases back (an attempt is charged, unless the claim's due time had not come; the last one buries
	 * the entry), then claim entries due by now + {@code aheadMillis} whose keys match one of the given patterns, each
	 * with a fresh fencing token {@code n@dueAt} and a lease. An entry claimed ahead of its due time is only handled
	 * after {@link #BEGIN} confirms, at that time, that the claim still holds. Entries no pattern matches are left
	 * untouched for the application that handles them; {@code offset} skips those seen in an earlier call.
	 */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> CLAIM = RedisScript.of(PREAMBLE + GLOB + """
			-- ARGV: leaseMillis, limit, offset, maxScan, maxAttempts, inline, aheadMillis, pattern...
			local now = nowMillis()
			local horizon = ms(now + tonumber(ARGV[7]))
			local lease, limit, offset, maxScan = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
			local maxAttempts = tonumber(ARGV[5])
			local inline = ARGV[6] == '1'
			-- 'prefix*' patterns (the common case) compare a prefix; others run the glob matcher.
			local prefixes, globs, all = {}, {}, false
			for i = 8, #ARGV do
				local p = ARGV[i]
				if p == '*' then
					all = true
				elseif string.find(string.sub(p, 1, -2), '[%*%?%[\\\\]') == nil and string.sub(p, -1) == '*' then
					prefixes[#prefixes + 1] = string.sub(p, 1, -2)
				else
					globs[#globs + 1] = p
				end
			end
			local function owns(k)
				if all then return true end
				for _, p in ipairs(prefixes) do if string.sub(k, 1, #p) == p then return true end end
				for _, p in ipairs(globs) do if glob(p, k) then return true end end
				return false
			end
			redis.call('ZREMRANGEBYSCORE', revoked, '-inf', ms(now))
			local lapsed, buried = 0, {}
			for _, k in ipairs(redis.call('ZRANGEBYSCORE', leased, '-inf', ms(now), 'LIMIT', 0, 1000)) do
				local held = redis.call('HGET', tokens, k)
				redis.call('ZREM', leased, k)
				redis.call('HDEL', tokens, k)
				local e = redis.call('HGET', entries, k)
				if e then
					lapsed = lapsed + 1
					local deadline, attempts, payload = decode(e)
					local startAt = held and startOf(held)
					if startAt and startAt > now then
						-- Claimed ahead and its due time has not come: no attempt began, none is charged.
						redis.call('ZADD', due, ms(startAt), k)
					elseif tonumber(attempts) + 1 >= maxAttempts then
						attempts = tonumber(attempts) + 1
						bury(k, deadline, attempts, now, 'lease lapsed: the instance handling it stopped renewing it',
							payload, inline)
						buried[#buried + 1] = k
					else
						redis.call('HSET', entries, k, deadline .. ':' .. (tonumber(attempts) + 1) .. ':' .. payload)
						redis.call('ZADD', due, ms(now), k)
					end
				end
			end
			-- Scan without removing, then claim what is ours in a few bulk calls.
			local firstOffset = offset
			local mine, startAts, count, scanned, exhausted, pos = {}, {}, 0, 0, false, offset
			while count < limit and scanned < maxScan do
				local batch = redis.call('ZRANGEBYSCORE', due, '-inf', horizon, 'WITHSCORES', 'LIMIT', pos,
					math.min(math.max(limit - count, 100), maxScan - scanned))
				if #batch == 0 then exhausted = true break end
				for j = 1, #batch, 2 do
					if count >= limit then break end
					local k = batch[j]
					scanned = scanned + 1
					pos = pos + 1
					if owns(k) then
						count = count + 1
						mine[count] = k
						startAts[count] = ms(tonumber(batch[j + 1]))
					else
						offset = offset + 1
					end
				end
			end
			local claims = {}
			if count > 0 then
				local found = redis.call('HMGET', entries, unpack(mine))
				if firstOffset == 0 and offset == 0 then
					-- Nothing foreign in between: what was claimed is exactly the first entries by rank.
					redis.call('ZREMRANGEBYRANK', due, 0, count - 1)
				else
					bulk('ZREM', due, mine)
				end
				local firstToken = redis.call('INCRBY', seq, count) - count + 1
				local leaseEnd = ms(now + lease)
				local leases, held = {}, {}
				for i, k in ipairs(mine) do
					local e = found[i]
					if e then
						local token = tostring(firstToken + i - 1) .. '@' .. startAts[i]
						leases[#leases + 1] = leaseEnd
						leases[#leases + 1] = k
						held[#held + 1] = k
						held[#held + 1] = token
						claims[#claims + 1] = k
						claims[#claims + 1] = token
						claims[#claims + 1] = e
					end
				end
				if #leases > 0 then
					bulk('ZADD', leased, leases)
					bulk('HSET', tokens, held)
				end
			end
			local nextDue = redis.call('ZRANGEBYSCORE', due, '(' .. horizon, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)[2]
			local nextLease = redis.call('ZRANGE', leased, 0, 0, 'WITHSCORES')[2]
			local reply = { ms(now), nextDue or '', nextLease or '', tostring(offset), exhausted and '1' or '0',
				tostring(lapsed), horizon, tostring(#buried) }
			for _, k in ipairs(buried) do reply[#reply + 1] = k end
			for _, v in ipairs(claims) do reply[#reply + 1] = v end
			return reply
			""", List.class);

	/** Extend the leases this instance still holds; returns the tokens that are no longer current. */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> RENEW = RedisScript.of(PREAMBLE + """
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
	static final RedisScript<List> BEGIN = RedisScript.of(CLOCK + """
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
	static final RedisScript<List> HELD = RedisScript.of(CLOCK + """
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

	/**
	 * Record the outcomes of attempts: done, failed (retry after a backoff, or bury after the last attempt) or given
	 * back (no attempt charged; due again at once, or at its due time if that has not come). An outcome whose token is
	 * no longer the entry's changes nothing ({@code stale}).
	 */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> SETTLE = RedisScript.of(PREAMBLE + """
			-- ARGV: maxAttempts, inline, (kind, key, token, backoffMillis, error)...
			local now = nowMillis()
			local maxAttempts = tonumber(ARGV[1])
			local inline = ARGV[2] == '1'
			local keys = {}
			for i = 4, #ARGV, 5 do keys[#keys + 1] = ARGV[i] end
			local held = redis.call('HMGET', tokens, unpack(keys))
			local out, ended, finished, scheduled = {}, {}, {}, {}
			for n, k in ipairs(keys) do
				local i = 3 + (n - 1) * 5
				local kind = ARGV[i]
				local code = 'stale'
				if held[n] and held[n] == ARGV[i + 2] then
					ended[#ended + 1] = k
					if kind == 'c' then
						finished[#finished + 1] = k
						code = 'done'
					elseif kind == 'r' then
						scheduled[#scheduled + 1] = ms(math.max(now, startOf(held[n]) or now))
						scheduled[#scheduled + 1] = k
						code = 'released'
					else
						local deadline, attempts, payload = decode(redis.call('HGET', entries, k))
						attempts = tonumber(attempts) + 1
						if attempts >= maxAttempts then
							bury(k, deadline, attempts, now, ARGV[i + 4], payload, inline)
							code = 'dead'
						else
							redis.call('HSET', entries, k, deadline .. ':' .. attempts .. ':' .. payload)
							scheduled[#scheduled + 1] = ms(now + tonumber(ARGV[i + 3]))
							scheduled[#scheduled + 1] = k
							code = 'retry'
						end
					end
				end
				out[n] = code
			end
			if #ended > 0 then
				bulk('ZREM', leased, ended)
				bulk('HDEL', tokens, ended)
			end
			if #finished > 0 then
				bulk('HDEL', entries, finished)
				-- Standalone only: the tracked keys go with their entries, in the same step.
				if inline then
					for i = 1, #finished, 1000 do redis.call('DEL', unpack(finished, i, math.min(i + 999, #finished))) end
				end
			end
			if #scheduled > 0 then bulk('ZADD', due, scheduled) end
			return out
			""", List.class);

	/**
	 * Schedule a dead letter again, as a fresh entry due now. Returns {@code {'1', payload}}, or {@code {'0'}} while
	 * a live entry of the key exists, or {@code {'-1'}} if there is no such dead letter.
	 */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> RETRY_DEAD = RedisScript.of(PREAMBLE + """
			-- ARGV: key
			if redis.call('HEXISTS', entries, ARGV[1]) == 1 then return { '0' } end
			local d = redis.call('HGET', dead, ARGV[1])
			if not d then return { '-1' } end
			local deadline, payload = string.match(d, '^(%-?%d+):%d+:%-?%d+:[^\\n]*\\n(.*)$')
			redis.call('HDEL', dead, ARGV[1])
			redis.call('ZREM', deadIndex, ARGV[1])
			redis.call('HSET', entries, ARGV[1], deadline .. ':0:' .. payload)
			redis.call('ZADD', due, ms(nowMillis()), ARGV[1])
			if KEYS[9] then
				local value = ''
				if string.sub(payload, 1, 1) == 'v' then value = string.sub(payload, 2) end
				redis.call('SET', KEYS[9], value)
			end
			return { '1', payload }
			""", List.class);

	/** Delete dead letters: the given keys, or ({@code olderThanMillis} set) those buried longer ago than that. */
	static final RedisScript<Long> DELETE_DEAD = RedisScript.of(PREAMBLE + """
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
	static final RedisScript<List> LIST_DEAD = RedisScript.of(PREAMBLE + """
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

	/** Counts for health and operations: overdue, scheduled, leased, dead letters. */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> BACKLOG = RedisScript.of(PREAMBLE + """
			return { redis.call('ZCOUNT', due, '-inf', ms(nowMillis())), redis.call('ZCARD', due),
				redis.call('ZCARD', leased), redis.call('ZCARD', deadIndex) }
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
