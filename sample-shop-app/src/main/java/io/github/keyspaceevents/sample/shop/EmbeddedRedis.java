package io.github.keyspaceevents.sample.shop;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;

import io.github.keyspaceevents.launcher.RedisServerProcess;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.context.aot.AbstractAotProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Makes {@code spring-boot:run} work on a machine with only a JDK: when no Redis is configured
 * ({@code spring.data.redis.host}, {@code port} or {@code url}) and none answers on localhost:6379, starts a local
 * redis-server on a free port for the life of the application and points Spring Data Redis at it. Off with
 * {@code shop.embedded-redis=false}.
 */
class EmbeddedRedis implements EnvironmentPostProcessor {

	private static final String[] CONNECTION_PROPERTIES = { "spring.data.redis.host", "spring.data.redis.port",
			"spring.data.redis.url" };

	private final int defaultPort;

	private RedisServerProcess started;

	EmbeddedRedis() {
		this(6379);
	}

	EmbeddedRedis(int defaultPort) {
		this.defaultPort = defaultPort;
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		// Build-time AOT processing only records bean definitions: no server to start then.
		if (Boolean.getBoolean(AbstractAotProcessor.AOT_PROCESSING)
				|| !environment.getProperty("shop.embedded-redis", Boolean.class, true) || redisConfigured(environment)
				|| answers("localhost", this.defaultPort)) {
			return;
		}
		RedisServerProcess redis = RedisServerProcess.start();
		this.started = redis;
		Runtime.getRuntime().addShutdownHook(new Thread(redis::close, "embedded-redis-shutdown"));
		environment.getPropertySources()
			.addFirst(new MapPropertySource("embeddedRedis",
					Map.of("spring.data.redis.host", redis.host(), "spring.data.redis.port", redis.port())));
		System.out.printf("No Redis configured and none on localhost:%d: started an embedded redis-server on %s:%d%n",
				this.defaultPort, redis.host(), redis.port());
	}

	RedisServerProcess started() {
		return this.started;
	}

	private static boolean redisConfigured(ConfigurableEnvironment environment) {
		for (String property : CONNECTION_PROPERTIES) {
			if (environment.containsProperty(property)) {
				return true;
			}
		}
		return false;
	}

	private static boolean answers(String host, int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host, port), 300);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

}
