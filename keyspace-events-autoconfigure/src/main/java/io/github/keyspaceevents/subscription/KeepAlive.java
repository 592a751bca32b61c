package io.github.keyspaceevents.subscription;

import java.util.concurrent.CountDownLatch;

import org.jspecify.annotations.Nullable;

/**
 * One non-daemon thread that lives while handlers are subscribed, so that an application without a web server (a
 * worker) keeps running and handling events, as it would with a Kafka or AMQP listener container. Everything else of
 * the starter runs on daemon threads, so that a handler that ignores interrupts cannot keep the JVM from exiting once
 * the context is closed.
 */
final class KeepAlive {

	private @Nullable CountDownLatch released;

	synchronized void start() {
		if (this.released != null) {
			return;
		}
		CountDownLatch released = new CountDownLatch(1);
		this.released = released;
		Thread thread = new Thread(() -> {
			try {
				released.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, "keyspace-events-keep-alive");
		thread.setDaemon(false);
		thread.start();
	}

	synchronized void stop() {
		CountDownLatch released = this.released;
		if (released != null) {
			released.countDown();
			this.released = null;
		}
	}

}
