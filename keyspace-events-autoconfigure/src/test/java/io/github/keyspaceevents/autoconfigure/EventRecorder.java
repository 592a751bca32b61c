package io.github.keyspaceevents.autoconfigure;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.github.keyspaceevents.KeyspaceEvent;

/**
 * Collects what test handlers receive, in arrival order.
 */
class EventRecorder {

	private final ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();

	void record(String handler, KeyspaceEvent event) {
		record(handler + " " + event.event() + " " + event.key());
	}

	void record(String entry) {
		this.received.add(entry);
	}

	List<String> received() {
		return List.copyOf(this.received);
	}

}
