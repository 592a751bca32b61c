package io.github.keyspaceevents.dispatch;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

/**
 * One FIFO queue of deliveries and the threads that drain it, never two at once for the same key, so that a key's
 * events reach its handlers in the order Redis published them.
 * <p>
 * A lane starts with one thread. While its handlers take long (most of the last 64 took 0.2 ms or more: they block on
 * I/O) and deliveries wait, it adds helper threads, up to its maximum; a helper idle for a second ends. Fast handlers
 * never get helpers: one thread drains a lane faster than threads could share it. A thread takes a delivery and claims its key in one step under the lane's
 * lock; a delivery whose key another thread is running waits behind it, in order, and that thread runs it next.
 * <p>
 * The producer (the Redis I/O thread) never blocks: it only offers to the queue and unparks an idle thread.
 */
final class DispatchLane {

	// Handlers slower than this for most deliveries are taken to block rather than compute: worth more threads.
	private static final long BLOCKING_HANDLER_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

	private static final long HELPER_KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(1);

	private static final int YIELDS_BEFORE_PARKING = 10;

	// A running key with nothing waiting behind it, as most are: shared, never added to, so no queue is allocated.
	private static final ArrayDeque<KeyspaceEventDispatcher.Delivery> NONE_WAITING = new ArrayDeque<>(0);

	/** What the lane does with a delivery: run its handlers, or give it back when the lane is stopping. */
	interface Deliverer {

		void deliver(KeyspaceEventDispatcher.Delivery delivery, boolean stopping);

	}

	private final Queue<KeyspaceEventDispatcher.Delivery> queue = new ConcurrentLinkedQueue<>();

	private final AtomicInteger size = new AtomicInteger();

	// Deliveries a thread has taken and not finished. Raised before 'size' is lowered, so that a delivery in flight is
	// always counted by one of the two.
	private final AtomicInteger inHand = new AtomicInteger();

	private final int capacity;

	private final int maxThreads;

	private final ThreadFactory threadFactory;

	private final Deliverer deliverer;

	private final ReentrantLock lock = new ReentrantLock();

	// Guarded by lock: keys being run, each with the deliveries that arrived for it meanwhile.
	private final Map<ByteBuffer, ArrayDeque<KeyspaceEventDispatcher.Delivery>> running = new HashMap<>();

	private final Queue<Thread> idle = new ConcurrentLinkedQueue<>();

	private final List<Thread> threads = new CopyOnWriteArrayList<>();

	private final AtomicInteger threadCount = new AtomicInteger();

	// One bit per recent delivery, newest lowest: set if its handlers took long. Most of them, not an average, so that a
	// thread descheduled now and then on a busy machine does not pass for a blocking handler.
	private volatile long slowDeliveries;

	private volatile boolean stopping;

	// Whether keys are claimed in 'running': only while helpers may run, so that a lane of one thread (fast handlers)
	// pays no lock per event. Switched on by the thread that starts the first helper, off by the lane's last thread.
	private volatile boolean keyed;

	DispatchLane(int capacity, int maxThreads, ThreadFactory threadFactory, Deliverer deliverer) {
		this.capacity = capacity;
		this.maxThreads = Math.max(1, maxThreads);
		this.threadFactory = threadFactory;
		this.deliverer = deliverer;
	}

	void start() {
		this.threadCount.incrementAndGet();
		startThread(false);
	}

	boolean offer(KeyspaceEventDispatcher.Delivery delivery) {
		if (this.size.incrementAndGet() > this.capacity) {
			this.size.decrementAndGet();
			return false;
		}
		this.queue.offer(delivery);
		// A thread adds itself to 'idle' before it re-checks the queue and parks: one of the two sees the other.
		Thread sleeper = this.idle.poll();
		if (sleeper != null) {
			LockSupport.unpark(sleeper);
		}
		return true;
	}

	/** @return whether nothing is queued, waiting or running */
	boolean idle() {
		return this.inHand.get() == 0 && this.size.get() == 0;
	}

	/** @return threads running now, helpers included */
	int threads() {
		return this.threadCount.get();
	}

	void stop() {
		this.stopping = true;
		this.threads.forEach(LockSupport::unpark);
	}

	void interrupt() {
		this.threads.forEach(Thread::interrupt);
	}

	/** @return whether every thread ended before the deadline */
	boolean await(long deadlineNanos) throws InterruptedException {
		for (Thread thread : this.threads) {
			long left = deadlineNanos - System.nanoTime();
			if (left <= 0) {
				return !thread.isAlive();
			}
			thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
			if (thread.isAlive()) {
				return false;
			}
		}
		return true;
	}

	// The caller counted the thread already.
	private void startThread(boolean helper) {
		Thread thread = this.threadFactory.newThread(() -> work(helper));
		this.threads.add(thread);
		thread.start();
	}

	private void work(boolean helper) {
		try {
			long idleSince = System.nanoTime();
			while (true) {
				KeyspaceEventDispatcher.Delivery delivery = take();
				if (delivery != null) {
					runKey(delivery);
					idleSince = System.nanoTime();
					continue;
				}
				if (this.stopping) {
					return;
				}
				if (!helper && yieldForWork()) {
					continue;
				}
				if (helper && System.nanoTime() - idleSince > HELPER_KEEP_ALIVE_NANOS) {
					return;
				}
				leaveKeyedModeIfAlone();
				Thread self = Thread.currentThread();
				this.idle.add(self);
				if (this.queue.isEmpty() && !this.stopping) {
					LockSupport.parkNanos(this, helper ? HELPER_KEEP_ALIVE_NANOS : TimeUnit.MILLISECONDS.toNanos(100));
				}
				this.idle.remove(self);
			}
		}
		finally {
			this.threadCount.decrementAndGet();
			this.threads.remove(Thread.currentThread());
		}
	}

	// The next delivery whose key no other thread runs; others wait behind their key's running delivery.
	private KeyspaceEventDispatcher.@Nullable Delivery take() {
		if (!this.keyed) {
			// One thread: it runs each key's deliveries in queue order by itself.
			return this.queue.poll();
		}
		this.lock.lock();
		try {
			KeyspaceEventDispatcher.Delivery delivery;
			while ((delivery = this.queue.poll()) != null) {
				ArrayDeque<KeyspaceEventDispatcher.Delivery> waiting = this.running.get(delivery.key());
				if (waiting == null) {
					this.running.put(delivery.key(), NONE_WAITING);
					return delivery;
				}
				if (waiting == NONE_WAITING) {
					waiting = new ArrayDeque<>(2);
					this.running.put(delivery.key(), waiting);
				}
				waiting.add(delivery);
			}
			return null;
		}
		finally {
			this.lock.unlock();
		}
	}

	private void runKey(KeyspaceEventDispatcher.Delivery first) {
		KeyspaceEventDispatcher.Delivery delivery = first;
		while (delivery != null) {
			this.inHand.incrementAndGet();
			// Counted until it runs, waiting behind its key included, so that the capacity bounds both.
			this.size.decrementAndGet();
			growIfBlocked(delivery.key());
			long started = System.nanoTime();
			try {
				this.deliverer.deliver(delivery, this.stopping);
			}
			finally {
				this.inHand.decrementAndGet();
				// Threads of a lane may race here; a lost bit does not matter.
				boolean slow = System.nanoTime() - started > BLOCKING_HANDLER_NANOS;
				this.slowDeliveries = (this.slowDeliveries << 1) | (slow ? 1 : 0);
			}
			delivery = this.keyed ? nextOfKey(delivery.key()) : null;
		}
	}

	private KeyspaceEventDispatcher.@Nullable Delivery nextOfKey(ByteBuffer key) {
		this.lock.lock();
		try {
			ArrayDeque<KeyspaceEventDispatcher.Delivery> waiting = this.running.get(key);
			KeyspaceEventDispatcher.Delivery next = (waiting != null) ? waiting.poll() : null;
			if (next == null) {
				this.running.remove(key);
			}
			return next;
		}
		finally {
			this.lock.unlock();
		}
	}

	// Deliveries wait, no thread is idle and handlers block: one more thread, up to the maximum.
	private void growIfBlocked(ByteBuffer current) {
		if (Long.bitCount(this.slowDeliveries) > Long.SIZE / 2 && !this.queue.isEmpty() && this.idle.isEmpty()
				&& !this.stopping) {
			int count = this.threadCount.get();
			if (count < this.maxThreads && this.threadCount.compareAndSet(count, count + 1)) {
				if (!this.keyed) {
					// Only this thread runs: the key it is about to run is the only one in flight.
					this.lock.lock();
					try {
						this.running.put(current, NONE_WAITING);
						this.keyed = true;
					}
					finally {
						this.lock.unlock();
					}
				}
				startThread(true);
			}
		}
	}

	// The last thread, idle: no key is running, so the lane goes back to taking without the lock.
	private void leaveKeyedModeIfAlone() {
		if (this.keyed && this.threadCount.get() == 1) {
			this.lock.lock();
			try {
				if (this.running.isEmpty() && this.threadCount.get() == 1) {
					this.keyed = false;
				}
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	// A few yields before parking: under load the next event usually arrives while other threads run, and a yield
	// costs far less than the park/unpark pair it saves.
	private boolean yieldForWork() {
		for (int i = 0; i < YIELDS_BEFORE_PARKING; i++) {
			Thread.yield();
			if (!this.queue.isEmpty()) {
				return true;
			}
		}
		return false;
	}

}
