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
if ARGV[4] == '1' and KEYS[6] then
	-- Standalone, with a value: the value is in the tracked key, written above, and the due score is the deadline,
	-- so a fresh entry needs no field of its own (see fresh in claim.lua).
	redis.call('HDEL', KEYS[3], k)
else
	local payload = '-'
	if ARGV[4] == '1' then payload = 'v' .. ARGV[5] end
	redis.call('HSET', KEYS[3], k, deadline .. ':0:' .. payload)
end
return tonumber(deadline)
