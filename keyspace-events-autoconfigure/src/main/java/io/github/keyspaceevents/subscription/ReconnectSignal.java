package io.github.keyspaceevents.subscription;

import java.net.SocketAddress;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;

import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.ClassUtils;

/**
 * Runs an action whenever Lettuce (re)connects a connection of the factory's client, so that the server settings are
 * re-applied right after a Redis restart instead of at the next periodic check, and another when a connection drops,
 * so that health reports it at once instead of when a command times out. Lettuce re-subscribes its pub/sub
 * connection by itself; a restarted server has however forgotten a {@code CONFIG SET}.
 */
final class ReconnectSignal implements AutoCloseable {

	private static final boolean LETTUCE_PRESENT = ClassUtils.isPresent("io.lettuce.core.RedisClient",
			ReconnectSignal.class.getClassLoader());

	private final Runnable unregister;

	private ReconnectSignal(Runnable unregister) {
		this.unregister = unregister;
	}

	/**
	 * Call the action on every connect of the factory's client; does nothing for other clients (the periodic check
	 * covers them).
	 * @param connectionFactory the factory
	 * @param connected what to run on connect (on Lettuce's I/O thread: it must only hand work off)
	 * @param disconnected what to run when a connection drops (same thread rules)
	 * @return a handle that stops the signal
	 */
	static ReconnectSignal register(RedisConnectionFactory connectionFactory, Runnable connected,
			Runnable disconnected) {
		if (LETTUCE_PRESENT) {
			return LettuceSupport.register(connectionFactory, connected, disconnected);
		}
		return new ReconnectSignal(() -> {
		});
	}

	@Override
	public void close() {
		this.unregister.run();
	}

	private static final class LettuceSupport {

		static ReconnectSignal register(RedisConnectionFactory connectionFactory, Runnable connected,
				Runnable disconnected) {
			AbstractRedisClient client = (connectionFactory instanceof LettuceConnectionFactory lettuce)
					? lettuce.getNativeClient() : null;
			if (client != null) {
				RedisConnectionStateListener listener = new RedisConnectionStateListener() {
					@Override
					public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress socketAddress) {
						connected.run();
					}

					@Override
					public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
						disconnected.run();
					}
				};
				client.addListener(listener);
				return new ReconnectSignal(() -> client.removeListener(listener));
			}
			return new ReconnectSignal(() -> {
			});
		}

	}

}
