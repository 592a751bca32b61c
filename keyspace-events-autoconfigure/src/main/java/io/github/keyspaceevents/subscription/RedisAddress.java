package io.github.keyspaceevents.subscription;

import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.ClassUtils;

/** Where a connection factory points, for messages a user can act on. */
final class RedisAddress {

	private static final boolean JEDIS_PRESENT = ClassUtils.isPresent("redis.clients.jedis.Jedis",
			RedisAddress.class.getClassLoader());

	private RedisAddress() {
	}

	static String of(RedisConnectionFactory connectionFactory) {
		if (connectionFactory instanceof LettuceConnectionFactory lettuce) {
			if (lettuce.getClusterConfiguration() != null) {
				return "cluster " + lettuce.getClusterConfiguration().getClusterNodes();
			}
			if (lettuce.getSentinelConfiguration() != null) {
				return "Sentinel master '" + lettuce.getSentinelConfiguration().getMaster() + "'";
			}
			return lettuce.getHostName() + ":" + lettuce.getPort();
		}
		if (JEDIS_PRESENT && connectionFactory instanceof JedisConnectionFactory jedis) {
			if (jedis.getClusterConfiguration() != null) {
				return "cluster " + jedis.getClusterConfiguration().getClusterNodes();
			}
			if (jedis.getSentinelConfiguration() != null) {
				return "Sentinel master '" + jedis.getSentinelConfiguration().getMaster() + "'";
			}
			return jedis.getHostName() + ":" + jedis.getPort();
		}
		return connectionFactory.getClass().getSimpleName();
	}

}
