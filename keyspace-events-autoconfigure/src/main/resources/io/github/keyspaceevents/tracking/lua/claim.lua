-- ARGV: leaseMillis, limit, offset, maxScan, maxAttempts, inline, aheadMillis, claimMicros (per entry of this
-- shard, standing for the entries of all shards), pattern...
local now = nowMillis()
local ahead, claimMicros = tonumber(ARGV[7]), tonumber(ARGV[8])
-- How far ahead to claim: the furthest d (at most aheadMillis) such that claiming what is due by now + d, at
-- claimMicros each, would take at least d less a margin, a tenth of aheadMillis. Claims held ahead cost the instance
-- memory, and its collector the time to copy them, so a steady flow is claimed a short lead ahead and only a burst
-- further. Searched from the top down: where d fails, every d' between the time its work needs and d fails too, so
-- the next d to try is that time.
local margin = math.floor(ahead / 10)
local lead = ahead
for _ = 1, 10 do
	local needs = math.floor(redis.call('ZCOUNT', due, '-inf', ms(now + lead)) * claimMicros / 1000) + margin
	if needs >= lead then break end
	-- Close enough: an upper bound within 10 ms of the furthest d that passes.
	if lead - needs < 10 then break end
	lead = needs
end
local horizon = ms(now + lead)
local lease, limit, offset, maxScan = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local maxAttempts = tonumber(ARGV[5])
local inline = ARGV[6] == '1'
-- 'prefix*' patterns (the common case) compare a prefix; others run the glob matcher.
local prefixes, globs, all = {}, {}, false
for i = 9, #ARGV do
	local p = ARGV[i]
	if p == '*' then
		all = true
	elseif string.find(string.sub(p, 1, -2), '[%*%?%[\\]') == nil and string.sub(p, -1) == '*' then
		prefixes[#prefixes + 1] = string.sub(p, 1, -2)
	else
		globs[#globs + 1] = p
	end
end
local function owns(k)
	if all then return true end
	for _, p in ipairs(prefixes) do if string.sub(k, 1, #p) == p then return true end end
	for _, p in ipairs(globs) do if glob(p, k) then return true end end
	return false
end
redis.call('ZREMRANGEBYSCORE', revoked, '-inf', ms(now))
local lapsed, buried = 0, {}
for _, k in ipairs(redis.call('ZRANGEBYSCORE', leased, '-inf', ms(now), 'LIMIT', 0, 1000)) do
	local held = redis.call('HGET', tokens, k)
	redis.call('ZREM', leased, k)
	redis.call('HDEL', tokens, k)
	local e = redis.call('HGET', entries, k)
	if e then
		lapsed = lapsed + 1
		local deadline, attempts, payload = decode(e)
		local startAt = held and startOf(held)
		if startAt and startAt > now then
			-- Claimed ahead and its due time has not come: no attempt began, none is charged.
			redis.call('ZADD', due, ms(startAt), k)
		elseif tonumber(attempts) + 1 >= maxAttempts then
			attempts = tonumber(attempts) + 1
			bury(k, deadline, attempts, now, 'lease lapsed: the instance handling it stopped renewing it',
				payload, inline)
			buried[#buried + 1] = k
		else
			redis.call('HSET', entries, k, deadline .. ':' .. (tonumber(attempts) + 1) .. ':' .. payload)
			redis.call('ZADD', due, ms(now), k)
		end
	end
end
-- Scan without removing, then claim what is ours in a few bulk calls.
local firstOffset = offset
local mine, startAts, count, scanned, exhausted, pos = {}, {}, 0, 0, false, offset
while count < limit and scanned < maxScan do
	local batch = redis.call('ZRANGEBYSCORE', due, '-inf', horizon, 'WITHSCORES', 'LIMIT', pos,
		math.min(math.max(limit - count, 100), maxScan - scanned))
	if #batch == 0 then exhausted = true break end
	for j = 1, #batch, 2 do
		if count >= limit then break end
		local k = batch[j]
		scanned = scanned + 1
		pos = pos + 1
		if owns(k) then
			count = count + 1
			mine[count] = k
			startAts[count] = ms(tonumber(batch[j + 1]))
		else
			offset = offset + 1
		end
	end
end
local claims = {}
if count > 0 then
	local found = redis.call('HMGET', entries, unpack(mine))
	if firstOffset == 0 and offset == 0 then
		-- Nothing foreign in between: what was claimed is exactly the first entries by rank.
		redis.call('ZREMRANGEBYRANK', due, 0, count - 1)
	else
		bulk('ZREM', due, mine)
	end
	local firstToken = redis.call('INCRBY', seq, count) - count + 1
	local leaseEnd = ms(now + lease)
	local leases, held, fresh = {}, {}, {}
	for i, k in ipairs(mine) do
		local e = found[i]
		if not e and inline then
			-- A fresh entry gets its field now: its deadline leaves the due set with this claim.
			e = freshEntry(startAts[i])
			fresh[#fresh + 1] = k
			fresh[#fresh + 1] = e
		end
		if e then
			if string.sub(e, -2) == ':k' then
				e = string.sub(e, 1, -2) .. materialize(k, 'k')
			end
			local token = tostring(firstToken + i - 1) .. '@' .. startAts[i]
			leases[#leases + 1] = leaseEnd
			leases[#leases + 1] = k
			held[#held + 1] = k
			held[#held + 1] = token
			claims[#claims + 1] = k
			claims[#claims + 1] = token
			claims[#claims + 1] = e
		end
	end
	if #leases > 0 then
		bulk('ZADD', leased, leases)
		bulk('HSET', tokens, held)
	end
	if #fresh > 0 then bulk('HSET', entries, fresh) end
end
local nextDue = redis.call('ZRANGEBYSCORE', due, '(' .. horizon, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)[2]
-- When to look again if nothing is written meanwhile: when the next entry comes within aheadMillis; once it is,
-- within 50 ms (or when it comes within the lead), to see whether the work due now needs a longer lead.
local lookAgain = ''
if nextDue then
	local untilDue = tonumber(nextDue) - now
	if untilDue > ahead then
		lookAgain = ms(now + untilDue - ahead)
	else
		lookAgain = ms(now + math.max(1, math.min(untilDue - lead, 50)))
	end
end
local nextLease = redis.call('ZRANGE', leased, 0, 0, 'WITHSCORES')[2]
local reply = { ms(now), lookAgain, nextLease or '', tostring(offset), exhausted and '1' or '0',
	tostring(lapsed), horizon, tostring(#buried) }
for _, k in ipairs(buried) do reply[#reply + 1] = k end
for _, v in ipairs(claims) do reply[#reply + 1] = v end
return reply
