package io.github.keyspaceevents.tracking;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.github.keyspaceevents.TrackedExpirations.Expiry;

import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Writes expiries handed over without waiting ({@code expireAtAsync}) in batches: whatever was handed over while the
 * previous batch was being written goes in the next one, so that a busy producer gets the batch path's rate and a
 * lone write is not delayed. One writer task at a time, on a thread of its own that ends after a second idle.
 * A producer far ahead of Redis waits once {@value #MAX_PENDING} writes are pending, so that memory stays bounded.
 */
final class AsyncWrites implements AutoCloseable {

	private static final int MAX_PENDING = 100_000;

	private static final int MAX_BATCH = 10_000;

	private final BlockingQueue<Pending> pending = new ArrayBlockingQueue<>(MAX_PENDING);

	private final AtomicBoolean draining = new AtomicBoolean();

	private final Consumer<List<Expiry>> writer;

	private final ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();

	private volatile boolean closed;

	/** @param writer writes a batch, as {@code expireAtAll} does; throws if it could not */
	AsyncWrites(Consumer<List<Expiry>> writer) {
		this.writer = writer;
		this.executor.setCorePoolSize(1);
		this.executor.setMaxPoolSize(1);
		this.executor.setAllowCoreThreadTimeOut(true);
		this.executor.setKeepAliveSeconds(1);
		this.executor.setThreadNamePrefix("keyspace-events-tracked-writer-");
		this.executor.setDaemon(true);
		this.executor.initialize();
	}

	CompletableFuture<Void> submit(Expiry expiry) {
		if (this.closed) {
			return CompletableFuture.failedFuture(new IllegalStateException("Tracked expirations are shut down"));
		}
		CompletableFuture<Void> done = new CompletableFuture<>();
		try {
			this.pending.put(new Pending(expiry, done));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return CompletableFuture.failedFuture(ex);
		}
		if (this.draining.compareAndSet(false, true)) {
			this.executor.execute(this::drain);
		}
		return done;
	}

	private void drain() {
		while (true) {
			List<Pending> batch = new ArrayList<>();
			this.pending.drainTo(batch, MAX_BATCH);
			if (batch.isEmpty()) {
				this.draining.set(false);
				// A submit between the empty look and the reset found 'draining' set: take its write now.
				if (this.pending.isEmpty() || !this.draining.compareAndSet(false, true)) {
					return;
				}
				continue;
			}
			try {
				this.writer.accept(batch.stream().map(Pending::expiry).toList());
				batch.forEach((write) -> write.done().complete(null));
			}
			catch (RuntimeException ex) {
				batch.forEach((write) -> write.done().completeExceptionally(ex));
			}
		}
	}

	/** Write what is pending, then end the thread. */
	@Override
	public void close() {
		this.closed = true;
		if (this.draining.compareAndSet(false, true)) {
			this.executor.execute(this::drain);
		}
		this.executor.setWaitForTasksToCompleteOnShutdown(true);
		this.executor.setAwaitTerminationSeconds(10);
		this.executor.shutdown();
	}

	private record Pending(Expiry expiry, CompletableFuture<Void> done) {
	}

}
