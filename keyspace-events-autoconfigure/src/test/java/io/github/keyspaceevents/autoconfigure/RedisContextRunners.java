package io.github.keyspaceevents.autoconfigure;

import io.github.keyspaceevents.launcher.RedisServerProcess;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Context runners wired to a real Redis started by the test.
 */
final class RedisContextRunners {

	private RedisContextRunners() {
	}

	/** @return the server's notify-keyspace-events, as Redis spells it */
	@SuppressWarnings("unchecked")
	static String serverFlags(RedisServerProcess redis) {
		return ((java.util.List<String>) redis.command("CONFIG", "GET", "notify-keyspace-events")).get(1);
	}

	/**
	 * Kill every connection subscribed to a channel or pattern. By what the connection does rather than by
	 * {@code CLIENT KILL TYPE pubsub}, which Redis applies to RESP2 connections only (Jedis speaks RESP3).
	 * @return how many were killed
	 */
	static long killSubscribers(RedisServerProcess redis) {
		long killed = 0;
		for (String client : String.valueOf(redis.command("CLIENT", "LIST")).split("\n")) {
			boolean subscribed = (client.contains(" sub=") && !client.contains(" sub=0 "))
					|| (client.contains(" psub=") && !client.contains(" psub=0 "));
			if (subscribed) {
				String id = client.substring(client.indexOf("id=") + 3, client.indexOf(' '));
				killed += (Long) redis.command("CLIENT", "KILL", "ID", id);
			}
		}
		return killed;
	}

	static ApplicationContextRunner against(RedisServerProcess redis) {
		return againstPort(redis.port());
	}

	static ApplicationContextRunner againstPort(int port) {
		return new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(DataRedisAutoConfiguration.class, KeyspaceEventsMetricsAutoConfiguration.class,
							KeyspaceEventsAutoConfiguration.class, KeyspaceEventsHealthAutoConfiguration.class,
							KeyspaceEventsEndpointAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + port,
					"keyspace-events.retry.initial-interval=100ms", "keyspace-events.retry.max-interval=500ms");
	}

}
