package io.github.keyspaceevents.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import io.github.keyspaceevents.launcher.RedisServerProcess;
import org.redisson.Redisson;
import org.redisson.api.RBlockingQueue;
import org.redisson.api.RDelayedQueue;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * Redisson's delayed queue, as a Java team would use it for "cancel the order at its deadline": keys offered to an
 * {@code RDelayedQueue} with their delay, taken from the {@code RBlockingQueue} behind it by a consumer thread, up to a
 * thousand per round trip. It does not use keyspace events at all: Redisson moves due elements from a sorted set to
 * the queue itself.
 */
final class RedissonContender implements Contender {

	static final String NAME = "Redisson RDelayedQueue + RBlockingQueue consumer";

	private static final int IN_FLIGHT = 10_000;

	private RedissonClient client;

	private RBlockingQueue<String> queue;

	private RDelayedQueue<String> delayed;

	private Thread consumer;

	private volatile boolean running;

	private final int handlerThreads;

	private ExecutorService handlers;

	RedissonContender() {
		this(0);
	}

	private RedissonContender(int handlerThreads) {
		this.handlerThreads = handlerThreads;
	}

	/**
	 * @param threads how many threads run the handler
	 * @return the contender with a pool that runs the handler, as an application with slow handlers would add
	 */
	static RedissonContender withHandlerPool(int threads) {
		return new RedissonContender(threads);
	}

	@Override
	public String name() {
		return (this.handlerThreads > 0) ? NAME + ", handlers on " + this.handlerThreads + " threads" : NAME;
	}

	@Override
	public void start(RedisServerProcess redis, String event, SinkHolder sinks) {
		this.client = client(redis);
		this.queue = this.client.getBlockingQueue("orders", StringCodec.INSTANCE);
		this.delayed = this.client.getDelayedQueue(this.queue);
		this.running = true;
		ExecutorService handlers = (this.handlerThreads > 0) ? Executors.newFixedThreadPool(this.handlerThreads)
				: null;
		this.handlers = handlers;
		this.consumer = new Thread(() -> {
			while (this.running) {
				try {
					// Up to a thousand at a time (LPOP with a count), else block for the next one.
					List<String> keys = this.queue.poll(1_000);
					if (keys.isEmpty()) {
						String key = this.queue.poll(100, TimeUnit.MILLISECONDS);
						keys = (key != null) ? List.of(key) : List.of();
					}
					for (String key : keys) {
						byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
						if (handlers != null) {
							handlers.execute(() -> sinks.get().accept(bytes));
						}
						else {
							sinks.get().accept(bytes);
						}
					}
				}
				catch (InterruptedException ex) {
					return;
				}
				catch (RuntimeException ex) {
					if (this.running) {
						throw ex;
					}
				}
			}
		}, "redisson-consumer");
		this.consumer.start();
	}

	static RedissonClient client(RedisServerProcess redis) {
		Config config = new Config();
		config.useSingleServer().setAddress("redis://" + redis.host() + ":" + redis.port());
		return Redisson.create(config);
	}

	/**
	 * Offers every key asynchronously, up to 10,000 at a time in flight, then waits for all offers: Redisson's
	 * fastest way to schedule many. The lag workloads use this: with all 100,000 offers in flight at once, writing
	 * took twice as long and the consumer fell seconds behind.
	 */
	@Override
	public void writeExpiringKeys(Publisher publisher, int count, IntFunction<Long> deadlineOf) {
		offerAll(this.delayed, count, deadlineOf, IN_FLIGHT);
	}

	/**
	 * Offers every key asynchronously, at most {@code inFlight} at a time (a million pending futures exhaust a 1 GB
	 * heap), then waits for all offers.
	 */
	static void offerAll(RDelayedQueue<String> delayed, int count, IntFunction<Long> deadlineOf, int inFlight) {
		List<CompletableFuture<Void>> offers = new ArrayList<>(Math.min(count, inFlight));
		for (int i = 0; i < count; i++) {
			long deadline = deadlineOf.apply(i);
			long delay = Math.max(0, deadline - System.currentTimeMillis());
			offers.add(delayed.offerAsync("order:" + deadline + ":" + i, delay, TimeUnit.MILLISECONDS)
				.toCompletableFuture());
			if (offers.size() == inFlight) {
				CompletableFuture.allOf(offers.toArray(CompletableFuture[]::new)).join();
				offers.clear();
			}
		}
		CompletableFuture.allOf(offers.toArray(CompletableFuture[]::new)).join();
	}

	@Override
	public void close() {
		this.running = false;
		try {
			this.consumer.join(5_000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (this.handlers != null) {
			this.handlers.shutdownNow();
		}
		this.delayed.destroy();
		this.client.shutdown();
	}

}
