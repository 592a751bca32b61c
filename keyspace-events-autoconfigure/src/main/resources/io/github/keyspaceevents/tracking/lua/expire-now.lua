-- ARGV: key
local k = ARGV[1]
local e = redis.call('HGET', entries, k)
if not e then
	-- A fresh entry has no field (see track.lua): its due score is its deadline.
	local dueAt = redis.call('ZSCORE', due, k)
	if not dueAt then return 0 end
	e = ms(tonumber(dueAt)) .. ':0:k'
end
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
