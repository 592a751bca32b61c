return { redis.call('ZCOUNT', due, '-inf', ms(nowMillis())), redis.call('ZCARD', due),
	redis.call('ZCARD', leased), redis.call('ZCARD', deadIndex) }
