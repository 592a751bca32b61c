package io.github.keyspaceevents.tracking;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.jspecify.annotations.Nullable;

/**
 * The claim thread's sleep: until the next deadline or lease end it computed, cut short when a key written by this
 * instance comes due sooner or an outcome frees room for more claims.
 */
final class Alarm {

	private final BooleanSupplier running;

	private volatile long wakeAtNanos;

	private volatile @Nullable Thread thread;

	Alarm(BooleanSupplier running) {
		this.running = running;
	}

	void setThread(Thread thread) {
		this.thread = thread;
	}

	/** Sleep on the calling thread, for at most this long. */
	void sleepMillis(long millis) {
		this.wakeAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
		long left;
		while (this.running.getAsBoolean() && (left = this.wakeAtNanos - System.nanoTime()) > 0) {
			LockSupport.parkNanos(this, left);
		}
	}

	/** End the sleep now. */
	void wake() {
		this.wakeAtNanos = System.nanoTime();
		unpark();
	}

	/** End the sleep in this long (or now, if not positive), unless it ends sooner anyway. */
	void wakeIn(long millis) {
		long at = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, millis));
		if (at - this.wakeAtNanos < 0) {
			this.wakeAtNanos = at;
			unpark();
		}
	}

	private void unpark() {
		Thread thread = this.thread;
		if (thread != null) {
			LockSupport.unpark(thread);
		}
	}

}
