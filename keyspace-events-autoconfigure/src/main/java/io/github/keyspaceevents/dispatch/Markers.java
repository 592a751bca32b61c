package io.github.keyspaceevents.dispatch;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Markers a test waits for: messages published on a subscribed channel after everything they are meant to follow.
 * Redis delivers a connection's messages in order, so once a marker has arrived on every subscribed connection, so has
 * everything published before it. A marker's key is one of the starter's own ({namespace}:marker:id), so that it never
 * reaches a handler.
 */
final class Markers {

	private static final String INFIX = "}:marker:";

	private final String keyPrefix;

	// Expected markers by id, with how often each arrived.
	private final Map<String, AtomicInteger> expected = new ConcurrentHashMap<>();

	/** @param keyPrefix the start of the starter's own keys: an opening brace, then the namespace */
	Markers(String keyPrefix) {
		this.keyPrefix = keyPrefix;
	}

	String expect() {
		String id = UUID.randomUUID().toString();
		this.expected.put(id, new AtomicInteger());
		return this.keyPrefix + INFIX + id;
	}

	boolean arrived(String marker, int connections) {
		String id = marker.substring(marker.lastIndexOf(':') + 1);
		AtomicInteger arrivals = this.expected.get(id);
		if (arrivals == null || arrivals.get() < connections) {
			return false;
		}
		this.expected.remove(id);
		return true;
	}

	// Called on the I/O thread for each of the starter's own keys: most are not markers, and usually none is expected.
	void seen(byte[] key) {
		if (this.expected.isEmpty()) {
			return;
		}
		String text = new String(key, StandardCharsets.UTF_8);
		int at = text.indexOf(INFIX);
		if (at > 0) {
			AtomicInteger arrivals = this.expected.get(text.substring(at + INFIX.length()));
			if (arrivals != null) {
				arrivals.incrementAndGet();
			}
		}
	}

}
