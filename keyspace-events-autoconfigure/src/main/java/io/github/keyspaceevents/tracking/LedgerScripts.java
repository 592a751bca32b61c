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
 * or buried. While it is claimed, the shard's {@code tokens} hash holds its claim's fencing token. A dead letter is
 * stored as {@code deadline:attempts:failedAt:error\npayload}; the error never holds a line break. Every script but
 * {@link #TRACK} takes the shard's keys in the order of {@link Shard#keys()}, then (standalone only) the tracked key.
 * Entries are handled in bulk calls wherever a claim or an outcome batch touches many, since per-entry Lua work is
 * what bounds how fast a spike of expiries is worked off.
 * <p>
 * Time is always the Redis server's ({@code TIME}), never an instance's clock. Computed numbers go back to Redis
 * through {@code ms()}, because Lua's default number formatting keeps only 14 digits.
 */
final class LedgerScripts {

	static final String CLOCK = """
			local function ms(n) return string.format('%.0f', n) end
			local function nowMillis()
				local t = redis.call('TIME')
				return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
			end
			""";

	static final String PREAMBLE = """
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
			local function revokeIn(tokensKey, leasedKey, revokedKey, k)
				local held = redis.call('HGET', tokensKey, k)
				if held then
					local leaseEnd = redis.call('ZSCORE', leasedKey, k)
					if leaseEnd then redis.call('ZADD', revokedKey, leaseEnd, held) end
				end
				return held
			end
			local function revoke(k) return revokeIn(tokens, leased, revoked, k) end
			-- A 'k' payload (standalone only) is the tracked key's value: read it, as 'v<value>', or '-' if the key is
			-- gone or no longer a string (pcall: someone else's write must not fail the whole script).
			local function materialize(k, payload)
				if payload ~= 'k' then return payload end
				local v = redis.pcall('GET', k)
				if type(v) == 'string' then return 'v' .. v end
				return '-'
			end
			local function bury(k, deadline, attempts, now, reason, payload, inline)
				payload = materialize(k, payload)
				redis.call('HSET', dead, k, deadline .. ':' .. attempts .. ':' .. ms(now) .. ':' .. reason .. '\\n' .. payload)
				redis.call('ZADD', deadIndex, ms(now), k)
				redis.call('HDEL', entries, k)
				redis.call('HDEL', tokens, k)
				-- Standalone only: the tracked key goes with its entry, in the same step.
				if inline then redis.call('DEL', k) end
			end
			""";

	/**
	 * Write (or re-write) an entry: scheduled with a fresh state. A running attempt of an earlier write loses its
	 * token, so nothing it does afterwards touches the new entry or the key. The one script an application runs per
	 * {@code expireAt}, so it takes only the keys it touches and defines nothing it does not use (half the server time
	 * of the general preamble); its steps are those of {@link #TRACK_MANY}. Returns the deadline (server ms).
	 */
	static final RedisScript<Long> TRACK = RedisScript.of("""
			-- KEYS: due, leased, entries, tokens, revoked, then (standalone) the tracked key
			-- ARGV: key, mode ('at' | 'after'), millis, hasValue, value
			local k, deadline = ARGV[1], ARGV[3]
			if ARGV[2] == 'after' then
				local t = redis.call('TIME')
				deadline = string.format('%.0f', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
					+ tonumber(ARGV[3]))
			end
			if KEYS[6] then redis.call('SET', KEYS[6], ARGV[5]) end
			-- A key is in leased exactly while it has a token: most writes find neither. A claim's token is revoked
			-- until its lease would have ended (see revokeIn).
			local held = redis.call('HGET', KEYS[4], k)
			if held then
				local leaseEnd = redis.call('ZSCORE', KEYS[2], k)
				if leaseEnd then redis.call('ZADD', KEYS[5], leaseEnd, held) end
				redis.call('ZREM', KEYS[2], k)
				redis.call('HDEL', KEYS[4], k)
			end
			redis.call('ZADD', KEYS[1], deadline, k)
			local payload = '-'
			if ARGV[4] == '1' then
				-- Standalone: the value is in the tracked key, written above; the entry only points at it.
				if KEYS[6] then payload = 'k' else payload = 'v' .. ARGV[5] end
			end
			redis.call('HSET', KEYS[3], k, deadline .. ':0:' .. payload)
			return tonumber(deadline)
			""", Long.class);

	/**
	 * {@link #TRACK} for many keys of one shard or (standalone) of several, each with a deadline: the same steps per
	 * key, in the order given, in one call.
	 */
	static final RedisScript<String> TRACK_MANY = RedisScript.of(PREAMBLE + """
			-- KEYS: the 8 keys of each shard in the call, then (standalone) the tracked keys, one per entry
			-- ARGV: shards in the call, then per entry: shard (1-based, in the call), key, deadline, hasValue, value
			local now = nowMillis()
			local groups = tonumber(ARGV[1])
			local inline = #KEYS > groups * 8
			for e = 0, (#ARGV - 1) / 5 - 1 do
				local a = 2 + e * 5
				local g = tonumber(ARGV[a])
				local base = (g - 1) * 8
				local dueKey, leasedKey, entriesKey, tokensKey = KEYS[base + 1], KEYS[base + 2], KEYS[base + 3],
					KEYS[base + 4]
				local k, deadline = ARGV[a + 1], ARGV[a + 2]
				if inline then redis.call('SET', KEYS[groups * 8 + e + 1], ARGV[a + 4]) end
				if revokeIn(tokensKey, leasedKey, KEYS[base + 8], k) then
					redis.call('ZREM', leasedKey, k)
					redis.call('HDEL', tokensKey, k)
				end
				redis.call('ZADD', dueKey, deadline, k)
				local payload = '-'
				if ARGV[a + 3] == '1' then
					if inline then payload = 'k' else payload = 'v' .. ARGV[a + 4] end
				end
				redis.call('HSET', entriesKey, k, deadline .. ':0:' .. payload)
			end
			return ms(now)
			""", String.class);

	/**
	 * Cancel from any live state. Returns 1 if the entry was scheduled, or claimed ahead of a due time not reached yet
	 * (its handlers will not run: {@link HolderScripts#BEGIN} finds the token revoked), 0 if an attempt may be running
	 * (it finishes, but is neither retried nor recorded), -1 if there was no entry.
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
	 * after {@link HolderScripts#BEGIN} confirms, at that time, that the claim still holds. Entries no pattern matches
	 * are left untouched for the application that handles them; {@code offset} skips those seen in an earlier call.
	 */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> CLAIM = RedisScript.of(PREAMBLE + LuaGlob.FUNCTIONS + """
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
						if string.sub(e, -2) == ':k' then
							e = string.sub(e, 1, -2) .. materialize(k, 'k')
						end
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

	/** Counts for health and operations: overdue, scheduled, leased, dead letters. */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> BACKLOG = RedisScript.of(PREAMBLE + """
			return { redis.call('ZCOUNT', due, '-inf', ms(nowMillis())), redis.call('ZCARD', due),
				redis.call('ZCARD', leased), redis.call('ZCARD', deadIndex) }
			""", List.class);

	/**
	 * Make a scheduled entry due now, as if written with that deadline (attempts and value kept). A claim made ahead
	 * of its due time is taken back as a re-write takes it; a claim whose attempt may be running is left alone.
	 * Returns 1 if the entry is now due, 0 if there is none or its attempt may be running.
	 */
	static final RedisScript<Long> EXPIRE_NOW = RedisScript.of(PREAMBLE + """
			-- ARGV: key
			local k = ARGV[1]
			local e = redis.call('HGET', entries, k)
			if not e then return 0 end
			local now = nowMillis()
			local held = redis.call('HGET', tokens, k)
			if held then
				if startOf(held) <= now then return 0 end
				revoke(k)
				redis.call('ZREM', leased, k)
				redis.call('HDEL', tokens, k)
			end
			local _, attempts, payload = decode(e)
			redis.call('HSET', entries, k, ms(now) .. ':' .. attempts .. ':' .. payload)
			redis.call('ZADD', due, ms(now), k)
			return 1
			""", Long.class);

	/**
	 * How many entries due by a time are not ended yet: scheduled and due, or claimed with a due time not after it
	 * (running, or their outcome not written yet). Returns that count and the server's time.
	 */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> PENDING = RedisScript.of(PREAMBLE + """
			-- ARGV: by (ms), or '' for now
			local now = nowMillis()
			local by = now
			if ARGV[1] ~= '' then by = tonumber(ARGV[1]) end
			local count = redis.call('ZCOUNT', due, '-inf', ms(by))
			for _, held in ipairs(redis.call('HVALS', tokens)) do
				if startOf(held) <= by then count = count + 1 end
			end
			return { count, now }
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
