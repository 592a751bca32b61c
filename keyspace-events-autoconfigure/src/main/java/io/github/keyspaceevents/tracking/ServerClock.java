package io.github.keyspaceevents.tracking;

/**
 * This instance's estimate of the Redis server's clock, from the {@code TIME} each ledger script returns. A sample is
 * the server's time minus the local time at which the call was sent: never less than the true offset, larger by
 * however long the call waited before the script ran. The smallest of the recent samples is therefore the best
 * estimate, and it errs early, never late: a claim confirmed too early is told to wait by the server, while one
 * started late would be late for good.
 */
final class ServerClock {

	private static final int WINDOW = 64;

	private final long[] samples = new long[WINDOW];

	private int count;

	private int next;

	private volatile long offsetMillis;

	/**
	 * @param serverMillis the server's time in the reply
	 * @param sentAtMillis this instance's time when the call was sent
	 */
	synchronized void sample(long serverMillis, long sentAtMillis) {
		this.samples[this.next] = serverMillis - sentAtMillis;
		this.next = (this.next + 1) % WINDOW;
		this.count = Math.min(WINDOW, this.count + 1);
		long min = Long.MAX_VALUE;
		for (int i = 0; i < this.count; i++) {
			min = Math.min(min, this.samples[i]);
		}
		this.offsetMillis = min;
	}

	/** @return the server's time now, as estimated */
	long nowMillis() {
		return System.currentTimeMillis() + this.offsetMillis;
	}

}
