-- ARGV: key
local k = ARGV[1]
local e = entryOf(k)
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
