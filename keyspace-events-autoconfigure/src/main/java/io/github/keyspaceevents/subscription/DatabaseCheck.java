package io.github.keyspaceevents.subscription;

import java.util.Properties;

import io.github.keyspaceevents.KeyspaceEventsConfigurationException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Refuses a database the server does not have: subscribing to its channels works and never delivers anything.
 */
final class DatabaseCheck {

	private static final Log logger = LogFactory.getLog(KeyspaceEventSubscription.class);

	private DatabaseCheck() {
	}

	/**
	 * @param connectionFactory the connection to ask with
	 * @param database the configured database
	 * @throws KeyspaceEventsConfigurationException if the server has fewer databases
	 * @throws RedisConnectionFailureException if Redis cannot be reached
	 */
	static void verify(RedisConnectionFactory connectionFactory, int database) {
		if (database == 0) {
			return;
		}
		Properties config;
		try (RedisConnection connection = connectionFactory.getConnection()) {
			config = connection.serverCommands().getConfig("databases");
		}
		catch (RedisConnectionFailureException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			// CONFIG GET refused (managed Redis): cannot check.
			logger.debug("Cannot read the server's number of databases", ex);
			return;
		}
		String count = (config != null) ? config.getProperty("databases") : null;
		if (count != null && database >= Integer.parseInt(count)) {
			throw new KeyspaceEventsConfigurationException(
					"keyspace-events.database is %d, but the Redis at %s has %s databases (0 to %d)".formatted(database,
							RedisAddress.of(connectionFactory), count, Integer.parseInt(count) - 1),
					"Set keyspace-events.database (or spring.data.redis.database) to a database the server has.");
		}
	}

}
