package io.github.keyspaceevents.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;

/**
 * Drives the server as fast as it takes commands: pipelined, in batches, on its own connection.
 */
final class Publisher implements AutoCloseable {

	private static final int BATCH = 2_000;

	private final RedisClient client;

	private final StatefulRedisConnection<byte[], byte[]> connection;

	Publisher(RedisServerProcess redis) {
		this.client = RedisClient.create(RedisURI.create(redis.host(), redis.port()));
		this.connection = this.client.connect(ByteArrayCodec.INSTANCE);
		this.connection.setTimeout(Duration.ofMinutes(1));
	}

	/**
	 * Publish one message per key on a keyevent channel, exactly as Redis publishes a keyspace event.
	 * @param event the event, e.g. {@code del}
	 * @param count how many
	 * @param keyOf the key of message i
	 */
	void publishEvents(String event, int count, IntFunction<String> keyOf) {
		byte[] channel = ("__keyevent@0__:" + event).getBytes(StandardCharsets.US_ASCII);
		pipelined(count, (commands, i) -> commands.publish(channel, keyOf.apply(i).getBytes(StandardCharsets.US_ASCII)));
	}

	/**
	 * Write keys that expire at the given absolute times.
	 * @param count how many keys
	 * @param deadlineOf the deadline of key i in epoch millis
	 */
	void writeExpiringKeys(int count, IntFunction<Long> deadlineOf) {
		byte[] value = "pending".getBytes(StandardCharsets.US_ASCII);
		pipelined(count, (commands, i) -> {
			long deadline = deadlineOf.apply(i);
			byte[] key = ("order:" + deadline + ":" + i).getBytes(StandardCharsets.US_ASCII);
			return commands.set(key, value, SetArgs.Builder.pxAt(deadline));
		});
	}

	void flushAll() {
		this.connection.sync().flushall();
	}

	/** @return seconds of CPU the server has used so far, user and system, all its threads */
	double serverCpuSeconds() {
		String cpu = this.connection.sync().info("cpu");
		return Double.parseDouble(infoField(cpu, "used_cpu_user").orElse("0"))
				+ Double.parseDouble(infoField(cpu, "used_cpu_sys").orElse("0"));
	}

	void resetStats() {
		this.connection.sync().configResetstat();
		this.connection.sync().configSet("slowlog-log-slower-than", "2000");
		this.connection.sync().slowlogReset();
	}

	String commandStats() {
		StringBuilder stats = new StringBuilder(this.connection.sync().info("commandstats"));
		stats.append("slowlog (over 2 ms): ").append(this.connection.sync().slowlogLen()).append(" entries\n");
		// Each entry: id, unix time, microseconds, the command's first arguments (at most 32), ...
		for (Object entry : this.connection.sync().slowlogGet(20)) {
			List<?> fields = (List<?>) entry;
			List<?> arguments = (List<?>) fields.get(3);
			stats.append("at ").append(fields.get(1)).append(": ").append(fields.get(2)).append(" µs, ")
				.append(new String((byte[]) arguments.get(0), StandardCharsets.UTF_8)).append(" with ")
				.append(arguments.size()).append(" arguments shown\n");
		}
		return stats.toString();
	}

	String serverVersion() {
		return infoField(this.connection.sync().info("server"), "redis_version").orElse("?");
	}

	/**
	 * @param info a reply to {@code INFO}
	 * @param name a field of it, such as {@code used_memory}
	 * @return the field's value
	 */
	static Optional<String> infoField(String info, String name) {
		String prefix = name + ":";
		return info.lines().filter((line) -> line.startsWith(prefix))
			.map((line) -> line.substring(prefix.length()).trim()).findFirst();
	}

	private void pipelined(int count, Command command) {
		RedisAsyncCommands<byte[], byte[]> commands = this.connection.async();
		this.connection.setAutoFlushCommands(false);
		try {
			List<RedisFuture<?>> batch = new ArrayList<>(BATCH);
			for (int i = 0; i < count; i++) {
				batch.add(command.issue(commands, i));
				if (batch.size() == BATCH || i == count - 1) {
					this.connection.flushCommands();
					LettuceFutures.awaitAll(Duration.ofMinutes(1), batch.toArray(RedisFuture[]::new));
					batch.clear();
				}
			}
		}
		finally {
			this.connection.setAutoFlushCommands(true);
		}
	}

	@Override
	public void close() {
		this.connection.close();
		this.client.shutdown();
	}

	@FunctionalInterface
	private interface Command {

		RedisFuture<?> issue(RedisAsyncCommands<byte[], byte[]> commands, int index);

	}

}
