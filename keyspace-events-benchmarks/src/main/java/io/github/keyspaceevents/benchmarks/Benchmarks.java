package io.github.keyspaceevents.benchmarks;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import io.github.keyspaceevents.launcher.RedisServerProcess;

/**
 * Runs every workload against every contender on one redis-server, in one JVM, and reports the figures side by side.
 * <p>
 * Throughput workloads publish on the keyevent channel exactly what Redis publishes for a {@code DEL}, pipelined as
 * fast as the server takes it; a run ends when the last matching key reached the handler. Lag workloads write real
 * keys with absolute deadlines and let Redis expire them; each also reports the Redis server's CPU time (user and
 * system, from {@code INFO cpu}) per key over the whole measured run, waiting for the first deadline included.
 * <p>
 * System properties: {@code benchmark.scale} (default 1.0) scales every event count; {@code benchmark.runs}
 * (default 3) is the number of measured throughput runs, of which the median is reported;
 * {@code benchmark.workloads} picks some of {@code dispatch,mixed,schedule,lag,slow,sizes};
 * {@code benchmark.commandstats=true} prints Redis' per-command statistics after each lag run.
 */
public final class Benchmarks {

	private static final String RAW = "raw Lettuce listener";

	private static final int WARM_UP_EXPIRIES = 10_000;

	private static final int SIZES_DUE_PER_MILLISECOND = 20;

	private final double scale;

	private final int runs;

	private Report report;

	Benchmarks(double scale, int runs) {
		this.scale = scale;
		this.runs = runs;
	}

	public static void main(String[] args) throws Exception {
		Path output = Path.of((args.length > 0) ? args[0] : "target");
		double scale = Double.parseDouble(System.getProperty("benchmark.scale", "1"));
		int runs = Integer.getInteger("benchmark.runs", 3);
		new Benchmarks(scale, runs).run(output);
		System.exit(0);
	}

	void run(Path output) throws Exception {
		try (RedisServerProcess redis = RedisServerProcess.start("--client-output-buffer-limit", "pubsub", "0", "0",
				"0"); Publisher publisher = new Publisher(redis)) {
			redis.command("CONFIG", "SET", "notify-keyspace-events", "EA");
			this.report = new Report("Machine: %d cores, %s %s, Java %s, Redis %s; scale %.2f, median of %d runs"
				.formatted(Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
						System.getProperty("os.arch"), System.getProperty("java.version"), publisher.serverVersion(),
						this.scale, this.runs));
			List<Supplier<Contender>> dispatchContenders = List.of(RawLettuceContender::new,
					ListenerContainerContender::new, StarterContender::new, StarterContender::withKeyVariable);
			int total = count(200_000);
			if (selected("dispatch")) {
				throughput("dispatch: " + total + " del events on order:* keys, one handler", redis, publisher,
					dispatchContenders, total, total, (i) -> "order:" + i);
			}
			if (selected("mixed")) {
				throughput("mixed: " + total + " del events, 90% on keys no handler matches", redis, publisher,
					dispatchContenders, total, total / 10, (i) -> (i % 10 == 0) ? "order:" + i : "session:" + i);
			}
			List<Supplier<Contender>> expiryContenders = List.of(RawLettuceContender::new,
					KeyExpirationEventContender::new, StarterContender::new, StarterContender::tracked,
					RedissonContender::new);
			int keys = count(100_000);
			if (selected("schedule")) {
				new SchedulingWorkload(redis, this.runs, this.report).run(
						"scheduling: " + count(20_000) + " deadlines an hour ahead, written", count(20_000));
			}
			if (selected("lag")) {
				lag("expiry lag: " + keys + " keys due over 5 s", redis, publisher, expiryContenders, keys, 5_000);
				lag("expiry lag: " + keys + " keys due at the same millisecond", redis, publisher, expiryContenders,
						keys, 0);
			}
			if (selected("slow")) {
				slowHandler("slow handler (1 ms): burst of " + count(50_000) + " del events", redis, publisher,
						List.of(ListenerContainerContender::new, StarterContender::new), count(50_000));
				slowTrackedHandler("slow handler (1 ms): " + count(50_000) + " keys due at once", redis, publisher,
						count(50_000));
			}
			if (selected("sizes")) {
				sizes(redis, publisher);
			}
			this.report.write(output);
		}
	}

	// The cost as work grows: scheduling rate, Redis memory and lag at 10k, 100k and 1M keys, one run each. The keys
	// fall due at the same rate at every size (20,000 per second, as in the lag workload), so that a growing lag would
	// show a cost that grows with the number of deadlines; a million due within 5 s would instead ask for more Redis
	// time per second than one Redis core has (both contenders spend 30 to 50 µs of it per deadline).
	private void sizes(RedisServerProcess redis, Publisher publisher) throws Exception {
		SchedulingWorkload scheduling = new SchedulingWorkload(redis, 1, this.report);
		for (int nominal : new int[] { 10_000, 100_000, 1_000_000 }) {
			int keys = count(nominal);
			scheduling.batchesAgainstRedisson("sizes: " + keys + " deadlines an hour ahead, written", keys);
			long spreadMillis = keys / SIZES_DUE_PER_MILLISECOND;
			lag("sizes: %d keys due over %s, 20 per ms".formatted(keys, (spreadMillis < 1_000) ? spreadMillis + " ms"
					: String.format(Locale.ROOT, "%.0f s", spreadMillis / 1e3)), redis, publisher,
					List.of(StarterContender::tracked, RedissonContender::new), keys, spreadMillis);
		}
	}

	// -Dbenchmark.contenders=tracked runs only contenders whose name contains it (default: all), for a quick look; the
	// README's figures come from full runs, every contender side by side.
	private static boolean chosen(Contender contender) {
		String selection = System.getProperty("benchmark.contenders", "");
		return selection.isBlank() || contender.name().contains(selection);
	}

	// -Dbenchmark.workloads=dispatch,mixed,schedule,lag,slow,sizes (default: all)
	private static boolean selected(String workload) {
		String selection = System.getProperty("benchmark.workloads", "");
		return selection.isBlank() || List.of(selection.split(",")).contains(workload);
	}

	private int count(int nominal) {
		return Math.max(100, (int) (nominal * this.scale));
	}

	// Contenders take turns run by run, so that drift in machine load spreads over all of them.
	private void throughput(String workload, RedisServerProcess redis, Publisher publisher,
			List<Supplier<Contender>> contenders, int published, int matching, IntFunction<String> keyOf)
			throws Exception {
		double[][] rates = new double[contenders.size()][this.runs];
		String[] names = new String[contenders.size()];
		for (int run = 0; run < this.runs; run++) {
			for (int turn = 0; turn < contenders.size(); turn++) {
				// Each run starts one contender later, so that none always follows the same one (the thread-per-message
				// container leaves a heap full of garbage and threads to reap behind it), and each starts collected.
				int c = (turn + run) % contenders.size();
				System.gc();
				try (Contender contender = contenders.get(c).get()) {
					names[c] = contender.name();
					Contender.SinkHolder sinks = new Contender.SinkHolder();
					contender.start(redis, "del", sinks);
					// Warm-up at a tenth of the size, not measured.
					measureThroughput(publisher, sinks, Math.max(1, published / 10), Math.max(1, matching / 10),
							keyOf);
					rates[c][run] = measureThroughput(publisher, sinks, published, matching, keyOf);
				}
			}
		}
		double rawRate = 0;
		for (int c = 0; c < contenders.size(); c++) {
			Arrays.sort(rates[c]);
			double rate = rates[c][this.runs / 2];
			if (names[c].equals(RAW)) {
				rawRate = rate;
			}
			this.report.add(workload, names[c], String.format(Locale.ROOT, "%,.0f matching events/s", rate),
					(rawRate > 0) ? String.format(Locale.ROOT, "%.2fx raw Lettuce", rate / rawRate) : "");
		}
	}

	private double measureThroughput(Publisher publisher, Contender.SinkHolder sinks, int published, int matching,
			IntFunction<String> keyOf) throws InterruptedException {
		EventSink sink = new EventSink(matching, false, 0);
		sinks.set(sink);
		long start = System.nanoTime();
		publisher.publishEvents("del", published, keyOf);
		if (!sink.await(5, TimeUnit.MINUTES)) {
			throw new IllegalStateException("Only " + sink.count() + " of " + matching + " events arrived");
		}
		return matching / ((sink.lastNanos() - start) / 1e9);
	}

	private void lag(String workload, RedisServerProcess redis, Publisher publisher,
			List<Supplier<Contender>> contenders, int keys, long spreadMillis) throws Exception {
		for (Supplier<Contender> factory : contenders) {
			Contender contender = factory.get();
			if (!chosen(contender)) {
				// Created, not started: nothing to close.
				continue;
			}
			try (contender) {
				Contender.SinkHolder sinks = new Contender.SinkHolder();
				contender.start(redis, "expired", sinks);
				publisher.flushAll();
				warmUp(contender, publisher, sinks);
				EventSink sink = new EventSink(keys, true, 0);
				sinks.set(sink);
				// Far enough ahead for every contender to write all keys before the first is due: on 2 cores Redisson
				// writes 100,000 in 3 to 4 s, tracked expirations a million in 9 to 13 s, Redisson in 25 to 38 s. 15 keys
				// per ms leaves Redisson half as much again on a slow run.
				long lead = Math.max(Math.max(2_000, (long) (10_000 * this.scale)), keys / 15);
				long base = System.currentTimeMillis() + lead;
				double cpuBefore = publisher.serverCpuSeconds();
				boolean commandStats = Boolean.getBoolean("benchmark.commandstats");
				if (commandStats) {
					publisher.resetStats();
				}
				long writeStart = System.nanoTime();
				contender.writeExpiringKeys(publisher, keys, (i) -> base + (spreadMillis * i) / keys);
				if (System.currentTimeMillis() > base) {
					throw new IllegalStateException(contender.name() + " took "
							+ (System.nanoTime() - writeStart) / 1_000_000 + " ms to write the keys: past the first deadline");
				}
				long writeMillis = (System.nanoTime() - writeStart) / 1_000_000;
				boolean complete = sink.await(base + spreadMillis + 60_000 - System.currentTimeMillis(),
						TimeUnit.MILLISECONDS);
				long[] lag = sink.lagPercentiles();
				double cpuMicrosPerKey = (publisher.serverCpuSeconds() - cpuBefore) * 1e6 / keys;
				if (commandStats) {
					System.out.println(contender.name() + " " + workload + "\n" + publisher.commandStats());
				}
				this.report.add(workload, contender.name(),
						"lag p50 %d ms, p99 %d ms, max %d ms".formatted(lag[0], lag[1], lag[2]),
						(complete ? "all " + keys + " handled"
								: "only " + sink.count() + " of " + keys + " handled within 60 s of the last deadline")
								+ ", written in " + writeMillis + " ms; Redis CPU "
								+ String.format(Locale.ROOT, "%.1f", cpuMicrosPerKey) + " µs per key");
			}
		}
	}

	// The same for every contender: 10,000 expiries handled before the measured ones, as in a service that has been
	// running for a while (the JIT compiled the path; the starter measured how long its handler takes). With 1,000,
	// whichever contender ran first in a fresh JVM showed the JIT's work in its tail latency.
	private void warmUp(Contender contender, Publisher publisher, Contender.SinkHolder sinks)
			throws InterruptedException {
		int expiries = count(WARM_UP_EXPIRIES);
		EventSink warmUp = new EventSink(expiries, false, 0);
		sinks.set(warmUp);
		long soon = System.currentTimeMillis() + 200;
		contender.writeExpiringKeys(publisher, expiries, (i) -> soon);
		if (!warmUp.await(2, TimeUnit.MINUTES)) {
			throw new IllegalStateException(contender.name() + " handled only " + warmUp.count() + " of "
					+ expiries + " warm-up expiries");
		}
	}

	private void slowHandler(String workload, RedisServerProcess redis, Publisher publisher,
			List<Supplier<Contender>> contenders, int events) throws Exception {
		for (Supplier<Contender> factory : contenders) {
			try (Contender contender = factory.get()) {
				Contender.SinkHolder sinks = new Contender.SinkHolder();
				contender.start(redis, "del", sinks);
				System.gc();
				EventSink sink = new EventSink(events, false, TimeUnit.MILLISECONDS.toNanos(1));
				sinks.set(sink);
				try (PeakSampler sampler = new PeakSampler()) {
					long start = System.nanoTime();
					publisher.publishEvents("del", events, (i) -> "order:" + i);
					boolean complete = sink.await(10, TimeUnit.MINUTES);
					double seconds = (System.nanoTime() - start) / 1e9;
					this.report.add(workload, contender.name(),
							String.format(Locale.ROOT, "%s in %.1f s; peak heap +%d MB (retained after GC %s), peak threads %d",
									complete ? "all handled" : sink.count() + " of " + events + " handled", seconds,
									sampler.peakHeapMegabytes(), sampler.peakRetained(), sampler.peakThreads()),
							"");
				}
			}
		}
	}

	private void slowTrackedHandler(String workload, RedisServerProcess redis, Publisher publisher, int keys)
			throws Exception {
		// The same handler concurrency for both: the starter's lanes grow to 16 threads on 2 cores.
		for (Contender candidate : List.of(StarterContender.tracked(), RedissonContender.withHandlerPool(16))) {
			if (chosen(candidate)) {
				slowTrackedHandler(workload, candidate, redis, publisher, keys);
			}
		}
	}

	private void slowTrackedHandler(String workload, Contender candidate, RedisServerProcess redis,
			Publisher publisher, int keys) throws Exception {
		try (Contender contender = candidate) {
			Contender.SinkHolder sinks = new Contender.SinkHolder();
			contender.start(redis, "expired", sinks);
			publisher.flushAll();
			System.gc();
			EventSink sink = new EventSink(keys, false, TimeUnit.MILLISECONDS.toNanos(1));
			sinks.set(sink);
			try (PeakSampler sampler = new PeakSampler()) {
				long deadline = System.currentTimeMillis() + 5_000;
				contender.writeExpiringKeys(publisher, keys, (i) -> deadline);
				boolean complete = sink.await(10, TimeUnit.MINUTES);
				double seconds = (System.currentTimeMillis() - deadline) / 1e3;
				this.report.add(workload, contender.name(),
						String.format(Locale.ROOT, "%s in %.1f s after the deadline, %d duplicates; peak heap +%d MB "
								+ "(retained after GC %s), peak threads %d", complete ? "all handled" : sink.count() + " of " + keys + " handled",
								seconds, sink.duplicates(), sampler.peakHeapMegabytes(), sampler.peakRetained(),
								sampler.peakThreads()),
						"");
			}
		}
	}

}
