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
