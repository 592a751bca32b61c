-- KEYS: revoked sets of one shard or (standalone) several   ARGV: startAt (the latest of the claims)
local now = nowMillis()
if now < tonumber(ARGV[1]) then return { ms(now), 'wait' } end
local out = { ms(now) }
for s = 1, #KEYS do
	local taken = redis.call('ZRANGEBYSCORE', KEYS[s], '(' .. ms(now), '+inf')
	out[#out + 1] = tostring(#taken)
	for _, token in ipairs(taken) do out[#out + 1] = token end
end
return out
