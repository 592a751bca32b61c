package io.github.keyspaceevents.dispatch;

import io.github.keyspaceevents.handler.HandlerMethod;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.keyspaceevents.KeyspaceEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A lane's threads: one for fast handlers, more (up to the bound) while handlers block, back to one when idle, and
 * never two events of one key at once, in order. Pure logic: no Redis.
 */
class DispatchLaneTests {

	private final Map<String, List<Integer>> seen = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> runningPerKey = new ConcurrentHashMap<>();

	private final AtomicInteger overlaps = new AtomicInteger();

	private final AtomicInteger peakThreads = new AtomicInteger();

	private DispatchLane lane;

	@AfterEach
	void stop() throws InterruptedException {
		this.lane.stop();
		assertThat(this.lane.await(System.nanoTime() + TimeUnit.SECONDS.toNanos(10))).isTrue();
		assertThat(this.lane.threads()).isZero();
	}

	@Test
	void blockingHandlersGetMoreThreadsUpToTheBoundKeepingEachKeysOrderThenShrinkWhenIdle() {
		this.lane = lane(8, 1);
		offer(20, 40);
		await().atMost(Duration.ofSeconds(30)).until(() -> handled() == 800);
		assertThat(this.peakThreads.get()).isBetween(2, 8);
		assertThat(this.overlaps.get()).as("two events of one key at once").isZero();
		this.seen.values().forEach((sequence) -> assertThat(sequence).isSorted().hasSize(40));
		await().atMost(Duration.ofSeconds(10)).until(() -> this.lane.threads() == 1);
	}

	@Test
	void fastHandlersStayOnOneThread() {
		this.lane = lane(8, 0);
		// One at a time first, with nothing waiting: the lane learns its handler is fast (the first calls are slow
		// while the JIT compiles them) and cannot grow meanwhile.
		for (int i = 0; i < 200; i++) {
			this.lane.offer(delivery("warm-up", i));
			int expected = i + 1;
			await().pollInterval(Duration.ofMillis(1)).until(() -> handled() == expected);
		}
		this.peakThreads.set(0);
		offer(50, 200);
		await().atMost(Duration.ofSeconds(30)).until(() -> handled() == 10_200);
		assertThat(this.peakThreads.get()).isEqualTo(1);
		this.seen.values().forEach((sequence) -> assertThat(sequence).isSorted().hasSize(200));
	}

	@Test
	void aFullLaneRefusesWithoutBlocking() {
		this.lane = new DispatchLane(3, 4, threads(), (delivery, stopping) -> {
		});
		// Not started: nothing drains it.
		List<Boolean> accepted = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			accepted.add(this.lane.offer(delivery("k", i)));
		}
		assertThat(accepted).containsExactly(true, true, true, false, false);
		this.lane.start();
	}

	private DispatchLane lane(int maxThreads, long handlerMillis) {
		DispatchLane lane = new DispatchLane(10_000, maxThreads, threads(), (delivery, stopping) -> {
			String key = delivery.event().key();
			this.peakThreads.accumulateAndGet(this.lane.threads(), Math::max);
			if (this.runningPerKey.computeIfAbsent(key, (k) -> new AtomicInteger()).incrementAndGet() > 1) {
				this.overlaps.incrementAndGet();
			}
			try {
				if (handlerMillis > 0) {
					Thread.sleep(handlerMillis);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			this.runningPerKey.get(key).decrementAndGet();
			this.seen.computeIfAbsent(key, (k) -> new CopyOnWriteArrayList<>()).add(Integer.parseInt(delivery.event().value()));
		});
		lane.start();
		return lane;
	}

	private static CustomizableThreadFactory threads() {
		CustomizableThreadFactory threads = new CustomizableThreadFactory("lane-test-");
		threads.setDaemon(true);
		return threads;
	}

	// Keys interleaved, each key's events numbered in order.
	private void offer(int keys, int perKey) {
		for (int n = 0; n < perKey; n++) {
			for (int k = 0; k < keys; k++) {
				assertThat(this.lane.offer(delivery("key:" + k, n))).isTrue();
			}
		}
	}

	private static KeyspaceEventDispatcher.Delivery delivery(String key, int sequence) {
		byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
		return new KeyspaceEventDispatcher.Delivery(new KeyspaceEvent(bytes, "del", 0, Integer.toString(sequence), null),
				ByteBuffer.wrap(bytes), new HandlerMethod[0], null);
	}

	private int handled() {
		return this.seen.values().stream().mapToInt(List::size).sum();
	}

}
