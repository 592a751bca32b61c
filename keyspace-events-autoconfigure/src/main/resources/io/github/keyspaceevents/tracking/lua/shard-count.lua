-- KEYS: meta   ARGV: configured
redis.call('HSETNX', KEYS[1], 'shards', ARGV[1])
return tonumber(redis.call('HGET', KEYS[1], 'shards'))
