package io.github.keyspaceevents.benchmarks;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;

/**
 * Samples heap use and live threads while a workload runs. Two heap figures, both over the idle application (heap in
 * use when sampling started, just after a full GC):
 * <ul>
 * <li>peak heap: the most heap in use at any 5 ms sample, garbage included, so it depends on when the collector ran;
 * <li>retained after GC: the most heap in use right after a collection during the workload, which is what the
 * workload held (queued events, threads' objects) plus what was promoted and not yet collected.
 * </ul>
 */
final class PeakSampler implements AutoCloseable {

	private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

	private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

	private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
		.filter((pool) -> pool.getType() == MemoryType.HEAP)
		.map(MemoryPoolMXBean::getName)
		.collect(Collectors.toSet());

	private final List<NotificationEmitter> emitters = new ArrayList<>();

	private final NotificationListener afterGc = this::afterGc;

	private final Thread thread;

	private final long baseline;

	private volatile boolean running = true;

	private volatile long peakHeap;

	private volatile long peakRetained = -1;

	private volatile int peakThreads;

	PeakSampler() {
		this.baseline = this.memory.getHeapMemoryUsage().getUsed();
		for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
			if (collector instanceof NotificationEmitter emitter) {
				emitter.addNotificationListener(this.afterGc, null, null);
				this.emitters.add(emitter);
			}
		}
		this.thread = new Thread(() -> {
			while (this.running) {
				this.peakHeap = Math.max(this.peakHeap, this.memory.getHeapMemoryUsage().getUsed());
				this.peakThreads = Math.max(this.peakThreads, this.threads.getThreadCount());
				try {
					Thread.sleep(5);
				}
				catch (InterruptedException ex) {
					return;
				}
			}
		}, "peak-sampler");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	private void afterGc(Notification notification, Object handback) {
		if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
			return;
		}
		GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo
			.from((CompositeData) notification.getUserData());
		long used = 0;
		for (var pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
			if (this.heapPools.contains(pool.getKey())) {
				MemoryUsage usage = pool.getValue();
				used += usage.getUsed();
			}
		}
		synchronized (this) {
			this.peakRetained = Math.max(this.peakRetained, used);
		}
	}

	/** @return the most heap the workload added over the idle application, garbage included */
	long peakHeapMegabytes() {
		return Math.max(0, this.peakHeap - this.baseline) / (1024 * 1024);
	}

	/** @return the most heap in use after a collection, over the idle application, e.g. "+12 MB"; "no GC" if none ran */
	String peakRetained() {
		long retained = this.peakRetained;
		return (retained < 0) ? "no GC" : "+" + Math.max(0, retained - this.baseline) / (1024 * 1024) + " MB";
	}

	int peakThreads() {
		return this.peakThreads;
	}

	@Override
	public void close() throws Exception {
		this.running = false;
		this.thread.join();
		for (NotificationEmitter emitter : this.emitters) {
			emitter.removeNotificationListener(this.afterGc);
		}
	}

}
