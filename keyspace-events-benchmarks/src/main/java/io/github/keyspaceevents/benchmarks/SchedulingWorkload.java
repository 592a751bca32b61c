package io.github.keyspaceevents.benchmarks;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.TrackedExpirations.Expiry;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import org.redisson.api.RDelayedQueue;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * How fast an application can schedule deadlines, and what each costs in Redis memory: tracked expirations (one key
 * at a time, asynchronously, in batches) against Redisson's delayed queue (one at a time, asynchronously), each from
 * one application thread, on an emptied Redis, deadlines an hour ahead so that nothing comes due meanwhile. Memory is
 * Redis' {@code used_memory} after the writes less before, per deadline: everything the library keeps, the tracked
 * keys themselves included.
 */
final class SchedulingWorkload {

	private static final String BASELINE = "Redisson RDelayedQueue: offerAsync, 1 thread";

	private final RedisServerProcess redis;

	private final int runs;

	private final Report report;

	SchedulingWorkload(RedisServerProcess redis, int runs, Report report) {
		this.redis = redis;
		this.runs = runs;
		this.report = report;
	}

	void run(String workload, int keys) throws Exception {
		List<String> names = new ArrayList<>();
		List<double[]> rates = new ArrayList<>();
		List<double[]> bytes = new ArrayList<>();
		for (int run = 0; run < this.runs; run++) {
			int c = 0;
			try (StarterContender starter = StarterContender.tracked()) {
				starter.start(this.redis, "expired", new Contender.SinkHolder());
				TrackedExpirations tracked = starter.trackedExpirations();
				// Warm-up, not measured: the paths compiled and the scripts loaded.
				measure((deadline) -> batches(tracked, 1_000, deadline, "warm"), 1_000);
				c = record(names, rates, bytes, c, run, "tracked expirations: expireAt, 1 thread", measure((deadline) -> {
					for (int i = 0; i < keys; i++) {
						tracked.expireAt("order:" + i, "pending", deadline);
					}
				}, keys));
				c = record(names, rates, bytes, c, run, "tracked expirations: expireAtAsync, 1 thread",
						measure((deadline) -> {
							List<CompletableFuture<Void>> writes = new ArrayList<>(keys);
							for (int i = 0; i < keys; i++) {
								writes.add(tracked.expireAtAsync("order:" + i, "pending", deadline));
							}
							CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
						}, keys));
				c = record(names, rates, bytes, c, run, "tracked expirations: expireAtAll, batches of 1,000",
						measure((deadline) -> batches(tracked, keys, deadline, "order"), keys));
			}
			RedissonClient client = RedissonContender.client(this.redis);
			try {
				RDelayedQueue<String> warm = client.getDelayedQueue(client.getQueue("warm", StringCodec.INSTANCE));
				measure((deadline) -> RedissonContender.offerAll(warm, 1_000, (i) -> deadline.toEpochMilli(), 1_000),
						1_000);
				warm.destroy();
				RDelayedQueue<String> queue = client.getDelayedQueue(client.getQueue("orders", StringCodec.INSTANCE));
				c = record(names, rates, bytes, c, run, "Redisson RDelayedQueue: offer, 1 thread",
						measure((deadline) -> {
							for (int i = 0; i < keys; i++) {
								queue.offer("order:" + i, deadline.toEpochMilli() - System.currentTimeMillis(),
										TimeUnit.MILLISECONDS);
							}
						}, keys));
				c = record(names, rates, bytes, c, run, BASELINE, measure((deadline) -> {
					List<CompletableFuture<Void>> offers = new ArrayList<>(keys);
					for (int i = 0; i < keys; i++) {
						offers.add(queue.offerAsync("order:" + i, deadline.toEpochMilli() - System.currentTimeMillis(),
								TimeUnit.MILLISECONDS).toCompletableFuture());
					}
					CompletableFuture.allOf(offers.toArray(CompletableFuture[]::new)).join();
				}, keys));
				queue.destroy();
			}
			finally {
				client.shutdown();
			}
		}
		double baseline = 0;
		for (int c = 0; c < names.size(); c++) {
			if (names.get(c).equals(BASELINE)) {
				baseline = median(rates.get(c));
			}
		}
		for (int c = 0; c < names.size(); c++) {
			double rate = median(rates.get(c));
			this.report.add(workload, names.get(c),
					String.format(Locale.ROOT, "%,.0f deadlines/s; Redis memory %,.0f bytes per deadline", rate,
							median(bytes.get(c))),
					String.format(Locale.ROOT, "%.2fx Redisson offerAsync", rate / baseline));
		}
	}

	/**
	 * Batches of tracked writes against Redisson's asynchronous offers, once, at one size: rate and memory.
	 * @param workload the workload's name in the report
	 * @param keys how many deadlines
	 */
	void batchesAgainstRedisson(String workload, int keys) throws Exception {
		double[] tracked;
		try (StarterContender starter = StarterContender.tracked()) {
			starter.start(this.redis, "expired", new Contender.SinkHolder());
			TrackedExpirations expirations = starter.trackedExpirations();
			measure((deadline) -> batches(expirations, 1_000, deadline, "warm"), 1_000);
			tracked = measure((deadline) -> batches(expirations, keys, deadline, "order"), keys);
		}
		String trackedParts = MemoryByStructure.perDeadline(this.redis, keys);
		double[] redisson;
		String redissonParts;
		RedissonClient client = RedissonContender.client(this.redis);
		try {
			RDelayedQueue<String> queue = client.getDelayedQueue(client.getQueue("orders", StringCodec.INSTANCE));
			measure((deadline) -> RedissonContender.offerAll(queue, 1_000, (i) -> deadline.toEpochMilli(), 1_000),
					1_000);
			// 10,000 in flight: faster than 100,000 at once (45,723 against 15,801 offers/s at 100k keys in two runs),
			// and a million at once would not fit the heap.
			redisson = measure((deadline) -> RedissonContender.offerAll(queue, keys, (i) -> deadline.toEpochMilli(),
					10_000), keys);
			redissonParts = MemoryByStructure.perDeadline(this.redis, keys);
			queue.destroy();
		}
		finally {
			client.shutdown();
		}
		this.report.add(workload, "tracked expirations: expireAtAll, batches of 1,000",
				String.format(Locale.ROOT, "%,.0f deadlines/s; Redis memory %,.0f bytes per deadline (%s)",
						tracked[0], tracked[1], trackedParts),
				String.format(Locale.ROOT, "%.2fx Redisson offerAsync", tracked[0] / redisson[0]));
		this.report.add(workload, BASELINE, String.format(Locale.ROOT,
				"%,.0f deadlines/s; Redis memory %,.0f bytes per deadline (%s)", redisson[0], redisson[1],
				redissonParts), "1.00x");
		this.redis.command("FLUSHALL");
	}

	private static void batches(TrackedExpirations tracked, int keys, Instant deadline, String prefix) {
		for (int from = 0; from < keys; from += 1_000) {
			List<Expiry> batch = new ArrayList<>(1_000);
			for (int i = from; i < Math.min(keys, from + 1_000); i++) {
				batch.add(new Expiry(prefix + ":" + i, "pending", deadline));
			}
			tracked.expireAtAll(batch);
		}
	}

	// Returns {deadlines per second, Redis bytes per deadline}, on an emptied Redis.
	private double[] measure(Writes writes, int keys) throws Exception {
		this.redis.command("FLUSHALL");
		long before = usedMemory();
		Instant deadline = Instant.now().plusSeconds(3_600);
		long start = System.nanoTime();
		writes.write(deadline);
		double seconds = (System.nanoTime() - start) / 1e9;
		return new double[] { keys / seconds, (double) (usedMemory() - before) / keys };
	}

	private long usedMemory() {
		String info = String.valueOf(this.redis.command("INFO", "memory"));
		return Long.parseLong(Publisher.infoField(info, "used_memory").orElseThrow());
	}

	private int record(List<String> names, List<double[]> rates, List<double[]> bytes, int c, int run, String name,
			double[] measured) {
		if (names.size() <= c) {
			names.add(name);
			rates.add(new double[this.runs]);
			bytes.add(new double[this.runs]);
		}
		rates.get(c)[run] = measured[0];
		bytes.get(c)[run] = measured[1];
		return c + 1;
	}

	private static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		return sorted[sorted.length / 2];
	}

	@FunctionalInterface
	private interface Writes {

		void write(Instant deadline) throws Exception;

	}

}
