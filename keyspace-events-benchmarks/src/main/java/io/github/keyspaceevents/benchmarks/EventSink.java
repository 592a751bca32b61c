package io.github.keyspaceevents.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where every contender delivers the keys its handler received. Counts them, notes when the last one arrived and, for
 * lag workloads, how late each key was against the deadline encoded in its name ({@code order:<deadline>:<index>}).
 */
final class EventSink {

	private final long expected;

	private final AtomicLong count = new AtomicLong();

	private final CountDownLatch done = new CountDownLatch(1);

	private final long[] lagMillis;

	private final long handlerPauseNanos;

	private volatile long lastNanos;

	private final java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();

	private final AtomicLong duplicates = new AtomicLong();

	EventSink(long expected, boolean recordLag, long handlerPauseNanos) {
		this.expected = expected;
		this.lagMillis = recordLag ? new long[(int) expected] : new long[0];
		this.handlerPauseNanos = handlerPauseNanos;
		if (recordLag) {
			Arrays.fill(this.lagMillis, Long.MIN_VALUE);
		}
	}

	void accept(byte[] key) {
		if (!this.seen.add(new String(key, StandardCharsets.US_ASCII))) {
			this.duplicates.incrementAndGet();
			return;
		}
		if (this.lagMillis.length > 0) {
			recordLag(key);
		}
		if (this.handlerPauseNanos > 0) {
			pause();
		}
		if (this.count.incrementAndGet() == this.expected) {
			this.lastNanos = System.nanoTime();
			this.done.countDown();
		}
	}

	private void recordLag(byte[] key) {
		long now = System.currentTimeMillis();
		String[] parts = new String(key, StandardCharsets.US_ASCII).split(":");
		int index = Integer.parseInt(parts[2]);
		this.lagMillis[index] = now - Long.parseLong(parts[1]);
	}

	private void pause() {
		long until = System.nanoTime() + this.handlerPauseNanos;
		while (System.nanoTime() < until) {
			try {
				TimeUnit.NANOSECONDS.sleep(until - System.nanoTime());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	boolean await(long timeout, TimeUnit unit) throws InterruptedException {
		return this.done.await(timeout, unit);
	}

	long count() {
		return this.count.get();
	}

	/** @return keys that arrived more than once (not counted in {@link #count()}) */
	long duplicates() {
		return this.duplicates.get();
	}

	long lastNanos() {
		return this.lastNanos;
	}

	/** @return lag percentiles {p50, p99, max} in ms, over the keys that arrived */
	long[] lagPercentiles() {
		long[] arrived = Arrays.stream(this.lagMillis).filter((lag) -> lag != Long.MIN_VALUE).sorted().toArray();
		if (arrived.length == 0) {
			return new long[] { -1, -1, -1 };
		}
		return new long[] { arrived[(int) (arrived.length * 0.50)],
				arrived[Math.min(arrived.length - 1, (int) (arrived.length * 0.99))], arrived[arrived.length - 1] };
	}

}
