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
