-- Shared by every script that reads the time: always the Redis server's (TIME), never an instance's clock.
-- Computed numbers go back to Redis through ms(): Lua's default number formatting keeps only 14 digits.
local function ms(n) return string.format('%.0f', n) end
local function nowMillis()
	local t = redis.call('TIME')
	return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
