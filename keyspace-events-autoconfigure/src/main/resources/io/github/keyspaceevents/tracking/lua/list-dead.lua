-- ARGV: count
local out = {}
for _, k in ipairs(redis.call('ZRANGE', deadIndex, 0, tonumber(ARGV[1]) - 1)) do
	local d = redis.call('HGET', dead, k)
	if d then
		out[#out + 1] = k
		out[#out + 1] = d
	end
end
return out
