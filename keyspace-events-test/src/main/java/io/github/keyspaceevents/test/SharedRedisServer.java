package io.github.keyspaceevents.test;

import io.github.keyspaceevents.launcher.RedisServerProcess;
import org.jspecify.annotations.Nullable;

/**
 * The one {@code redis-server} of a test run: started by the first context that needs it, stopped when the JVM exits.
 */
final class SharedRedisServer {

	private static @Nullable RedisServerProcess server;

	private SharedRedisServer() {
	}

	static synchronized RedisServerProcess get() {
		RedisServerProcess running = server;
		if (running == null || !running.isRunning()) {
			RedisServerProcess started = RedisServerProcess.start();
			Runtime.getRuntime().addShutdownHook(new Thread(started::close, "keyspace-events-test-redis-stop"));
			server = started;
			running = started;
		}
		return running;
	}

}
