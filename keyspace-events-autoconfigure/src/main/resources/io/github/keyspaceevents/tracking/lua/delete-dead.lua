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
