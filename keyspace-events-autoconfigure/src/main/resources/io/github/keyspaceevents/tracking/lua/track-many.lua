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
	if ARGV[a + 3] == '1' and inline then
		-- A fresh entry whose value is in the tracked key needs no field (as in track.lua).
		redis.call('HDEL', entriesKey, k)
	else
		local payload = '-'
		if ARGV[a + 3] == '1' then payload = 'v' .. ARGV[a + 4] end
		redis.call('HSET', entriesKey, k, deadline .. ':0:' .. payload)
	end
end
return ms(now)
