-- KEYS: tokens hashes   ARGV: per hash: n, (key, token) × n
local out = { ms(nowMillis()) }
local i = 1
for s = 1, #KEYS do
	local n = tonumber(ARGV[i])
	i = i + 1
	if n > 0 then
		local keys = {}
		for j = 0, n - 1 do keys[j + 1] = ARGV[i + 2 * j] end
		local held = redis.call('HMGET', KEYS[s], unpack(keys))
		for j = 0, n - 1 do
			if held[j + 1] == ARGV[i + 2 * j + 1] then out[#out + 1] = '1' else out[#out + 1] = '0' end
		end
		i = i + 2 * n
	end
end
return out
