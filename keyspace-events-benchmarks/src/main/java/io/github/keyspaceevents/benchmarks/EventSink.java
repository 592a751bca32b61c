package io.github.keyspaceevents.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.IntStream;

/**
 * Where every contender delivers the keys its handler received. Counts them, notes when the last one arrived and, for
 * lag workloads, how late each key was against the deadline encoded in its name ({@code order:<deadline>:<index>}).
 */
final class EventSink {

	// Where the deadline starts in a lag workload's key name, order:<deadline>:<index>.
	private static final int DEADLINE_AT = "order:".length();

	private final long expected;

	private final AtomicLong count = new AtomicLong();

	private final CountDownLatch done = new CountDownLatch(1);

	// By the key's index; Long.MIN_VALUE until it arrives. A second arrival of a key is a duplicate.
	private final AtomicLongArray lagMillis;

	private final long handlerPauseNanos;

	private volatile long lastNanos;

	// Keys seen, where there is no lag slot to tell a duplicate by. Lag workloads do without: a million keys held
	// here made the benchmark JVM's own collections pause up to 60 ms, which showed as every contender's lag.
	private final Set<String> seen = ConcurrentHashMap.newKeySet();

	private final AtomicLong duplicates = new AtomicLong();

	EventSink(long expected, boolean recordLag, long handlerPauseNanos) {
		this.expected = expected;
		this.lagMillis = new AtomicLongArray(recordLag ? (int) expected : 0);
		this.handlerPauseNanos = handlerPauseNanos;
		if (recordLag) {
			for (int i = 0; i < expected; i++) {
				this.lagMillis.set(i, Long.MIN_VALUE);
			}
		}
	}

	void accept(byte[] key) {
		boolean first = (this.lagMillis.length() > 0) ? recordLag(key)
				: this.seen.add(new String(key, StandardCharsets.US_ASCII));
		if (!first) {
			this.duplicates.incrementAndGet();
			return;
		}
		if (this.handlerPauseNanos > 0) {
			pause();
		}
		if (this.count.incrementAndGet() == this.expected) {
			this.lastNanos = System.nanoTime();
			this.done.countDown();
		}
	}

	// @return false if the key had arrived before
	private boolean recordLag(byte[] key) {
		long now = System.currentTimeMillis();
		// By position, not split(): the sink's own garbage would count against whichever contender it runs for.
		String name = new String(key, StandardCharsets.US_ASCII);
		int afterDeadline = name.indexOf(':', DEADLINE_AT);
		int index = Integer.parseInt(name, afterDeadline + 1, name.length(), 10);
		long deadline = Long.parseLong(name, DEADLINE_AT, afterDeadline, 10);
		return this.lagMillis.compareAndSet(index, Long.MIN_VALUE, now - deadline);
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
		long[] arrived = IntStream.range(0, this.lagMillis.length()).mapToLong(this.lagMillis::get)
			.filter((lag) -> lag != Long.MIN_VALUE).sorted().toArray();
		if (arrived.length == 0) {
			return new long[] { -1, -1, -1 };
		}
		return new long[] { arrived[(int) (arrived.length * 0.50)],
				arrived[Math.min(arrived.length - 1, (int) (arrived.length * 0.99))], arrived[arrived.length - 1] };
	}

}
