package io.github.keyspaceevents.benchmarks;

import java.nio.charset.StandardCharsets;

import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

/**
 * The floor: a Lettuce pub/sub listener that filters and handles on the I/O thread, with no Spring in between.
 */
final class RawLettuceContender implements Contender {

	private static final byte[] PREFIX = "order:".getBytes(StandardCharsets.US_ASCII);

	private RedisClient client;

	private StatefulRedisPubSubConnection<byte[], byte[]> connection;

	@Override
	public String name() {
		return "raw Lettuce listener";
	}

	@Override
	public void start(RedisServerProcess redis, String event, SinkHolder sinks) {
		this.client = RedisClient.create(RedisURI.create(redis.host(), redis.port()));
		this.connection = this.client.connectPubSub(ByteArrayCodec.INSTANCE);
		this.connection.addListener(new RedisPubSubAdapter<>() {
			@Override
			public void message(byte[] channel, byte[] key) {
				if (startsWith(key)) {
					sinks.get().accept(key);
				}
			}
		});
		this.connection.sync().subscribe(("__keyevent@0__:" + event).getBytes(StandardCharsets.US_ASCII));
	}

	static boolean startsWith(byte[] key) {
		if (key.length < PREFIX.length) {
			return false;
		}
		for (int i = 0; i < PREFIX.length; i++) {
			if (key[i] != PREFIX[i]) {
				return false;
			}
		}
		return true;
	}

	@Override
	public void close() {
		this.connection.close();
		this.client.shutdown();
	}

}
