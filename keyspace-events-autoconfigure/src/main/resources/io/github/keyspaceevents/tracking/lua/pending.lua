-- ARGV: by (ms), or '' for now
local now = nowMillis()
local by = now
if ARGV[1] ~= '' then by = tonumber(ARGV[1]) end
local count = redis.call('ZCOUNT', due, '-inf', ms(by))
for _, held in ipairs(redis.call('HVALS', tokens)) do
	if startOf(held) <= by then count = count + 1 end
end
return { count, now }
