-- Shared by the scripts that take a shard's keys (in the order of Shard.keys()): names for them and the steps
-- several transitions share. Follows clock.lua.
local due, leased, entries, tokens, seq, dead, deadIndex, revoked = KEYS[1], KEYS[2], KEYS[3], KEYS[4],
	KEYS[5], KEYS[6], KEYS[7], KEYS[8]
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
-- A fresh entry (written, never attempted, due at its deadline, its value in the tracked key: standalone only) has no
-- field in entries (see track.lua): its due score is its deadline.
local function freshEntry(dueAt) return dueAt .. ':0:k' end
-- An entry's stored form, the fresh form included; nil if the key has no live entry.
local function entryOf(k)
	local e = redis.call('HGET', entries, k)
	if e then return e end
	local dueAt = redis.call('ZSCORE', due, k)
	if dueAt then return freshEntry(ms(tonumber(dueAt))) end
	return nil
end
-- A 'k' payload (standalone only) is the tracked key's value: read it, as 'v<value>'; 'g' if the key is gone
-- (evicted, or deleted other than by a cancel), '-' if it no longer holds a string (pcall: someone else's write must
-- not fail the whole script). The instance says in its log which values were gone.
local function materialize(k, payload)
	if payload ~= 'k' then return payload end
	local v = redis.pcall('GET', k)
	if type(v) == 'string' then return 'v' .. v end
	if v == false then return 'g' end
	return '-'
end
local function bury(k, deadline, attempts, now, reason, payload, inline)
	payload = materialize(k, payload)
	redis.call('HSET', dead, k, deadline .. ':' .. attempts .. ':' .. ms(now) .. ':' .. reason .. '\n' .. payload)
	redis.call('ZADD', deadIndex, ms(now), k)
	redis.call('HDEL', entries, k)
	redis.call('HDEL', tokens, k)
	-- Standalone only: the tracked key goes with its entry, in the same step.
	if inline then redis.call('DEL', k) end
end
