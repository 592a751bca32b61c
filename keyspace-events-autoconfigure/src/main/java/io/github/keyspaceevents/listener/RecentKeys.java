package io.github.keyspaceevents.listener;

import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded set of the most recently added keys; the oldest are forgotten first. Thread-safe.
 */
final class RecentKeys {

	private final int capacity;

	private final Set<String> keys = ConcurrentHashMap.newKeySet();

	private final Queue<String> order = new ConcurrentLinkedQueue<>();

	private final AtomicInteger size = new AtomicInteger();

	RecentKeys(int capacity) {
		this.capacity = capacity;
	}

	void add(String key) {
		if (this.keys.add(key)) {
			this.order.add(key);
			if (this.size.incrementAndGet() > this.capacity) {
				String oldest = this.order.poll();
				if (oldest != null) {
					this.keys.remove(oldest);
					this.size.decrementAndGet();
				}
			}
		}
	}

	boolean contains(String key) {
		return this.keys.contains(key);
	}

}
