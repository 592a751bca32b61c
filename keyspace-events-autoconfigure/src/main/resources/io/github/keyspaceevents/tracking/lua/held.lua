-- KEYS: per shard its tokens hash, then its leased set   ARGV: leaseMillis, then per shard: n, (key, token) × n
-- A claim still held has its lease renewed in the same step: one whose lease had ended, but which nobody took over
-- yet, would otherwise begin here and be taken over by the next claim.
local now = nowMillis()
local leaseEnd = ms(now + tonumber(ARGV[1]))
local out = { ms(now) }
local i = 2
for s = 1, #KEYS, 2 do
	local n = tonumber(ARGV[i])
	i = i + 1
	if n > 0 then
		local keys = {}
		for j = 0, n - 1 do keys[j + 1] = ARGV[i + 2 * j] end
		local held = redis.call('HMGET', KEYS[s], unpack(keys))
		local renewed = {}
		for j = 0, n - 1 do
			if held[j + 1] == ARGV[i + 2 * j + 1] then
				out[#out + 1] = '1'
				renewed[#renewed + 1] = leaseEnd
				renewed[#renewed + 1] = keys[j + 1]
			else
				out[#out + 1] = '0'
			end
		end
		for r = 1, #renewed, 1000 do
			redis.call('ZADD', KEYS[s + 1], 'XX', unpack(renewed, r, math.min(r + 999, #renewed)))
		end
		i = i + 2 * n
	end
end
return out
