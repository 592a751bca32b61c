package io.github.keyspaceevents.test;

import io.github.keyspaceevents.launcher.RedisServerProcess;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.context.annotation.Bean;

/**
 * Points Boot's Redis connection at the test run's {@code redis-server}. Imported by
 * {@link AutoConfigureRedisServer @AutoConfigureRedisServer} only.
 */
@AutoConfiguration(before = DataRedisAutoConfiguration.class)
public final class RedisServerTestAutoConfiguration {

	@Bean
	DataRedisConnectionDetails redisServerConnectionDetails() {
		RedisServerProcess server = SharedRedisServer.get();
		return new DataRedisConnectionDetails() {

			@Override
			public Standalone getStandalone() {
				return Standalone.of(server.host(), server.port());
			}

		};
	}

}
