-- ARGV: key
if entryOf(ARGV[1]) then return { '0' } end
local d = redis.call('HGET', dead, ARGV[1])
if not d then return { '-1' } end
local deadline, payload = string.match(d, '^(%-?%d+):%d+:%-?%d+:[^\n]*\n(.*)$')
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
