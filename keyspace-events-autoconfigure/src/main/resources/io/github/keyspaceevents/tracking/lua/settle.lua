-- ARGV: maxAttempts, inline, (kind, key, token, backoffMillis, error)...
local now = nowMillis()
local maxAttempts = tonumber(ARGV[1])
local inline = ARGV[2] == '1'
local keys = {}
for i = 4, #ARGV, 5 do keys[#keys + 1] = ARGV[i] end
local held = redis.call('HMGET', tokens, unpack(keys))
local out, ended, finished, scheduled = {}, {}, {}, {}
for n, k in ipairs(keys) do
	local i = 3 + (n - 1) * 5
	local kind = ARGV[i]
	local code = 'stale'
	if held[n] and held[n] == ARGV[i + 2] then
		ended[#ended + 1] = k
		if kind == 'c' then
			finished[#finished + 1] = k
			code = 'done'
		elseif kind == 'r' then
			scheduled[#scheduled + 1] = ms(math.max(now, startOf(held[n]) or now))
			scheduled[#scheduled + 1] = k
			code = 'released'
		else
			local deadline, attempts, payload = decode(redis.call('HGET', entries, k))
			attempts = tonumber(attempts) + 1
			if attempts >= maxAttempts then
				bury(k, deadline, attempts, now, ARGV[i + 4], payload, inline)
				code = 'dead'
			else
				redis.call('HSET', entries, k, deadline .. ':' .. attempts .. ':' .. payload)
				scheduled[#scheduled + 1] = ms(now + tonumber(ARGV[i + 3]))
				scheduled[#scheduled + 1] = k
				code = 'retry'
			end
		end
	end
	out[n] = code
end
if #ended > 0 then
	bulk('ZREM', leased, ended)
	bulk('HDEL', tokens, ended)
end
if #finished > 0 then
	bulk('HDEL', entries, finished)
	-- Standalone only: the tracked keys go with their entries, in the same step.
	if inline then
		for i = 1, #finished, 1000 do redis.call('DEL', unpack(finished, i, math.min(i + 999, #finished))) end
	end
end
if #scheduled > 0 then bulk('ZADD', due, scheduled) end
return out
