package io.github.keyspaceevents.tracking;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import io.github.keyspaceevents.dispatch.DispatchMetrics;
import io.github.keyspaceevents.dispatch.ExpiredKeyHandlers;
import io.github.keyspaceevents.dispatch.TrackedAttempt;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Claims tracked expiries from the ledger as they come due by the Redis server's clock and runs them on this
 * application's {@code @OnKeyExpired} handlers. One thread claims (sleeping until the next deadline or lease end, at
 * most the idle poll, woken early when this instance writes a key due sooner) and renews the leases of what this
 * instance holds; a second thread records outcomes ({@link OutcomeWriter}).
 * <p>
 * Only keys matching this application's {@code expired} handler patterns are claimed, so applications with different
 * handlers can share a namespace; an application without such handlers claims nothing.
 * <p>
 * Starts before the keyspace event subscription and stops after it: when the lanes stop they give back the expiries
 * they had not started, and those outcomes are written here before the last thread ends.
 */
public final class ExpiryScheduler implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(ExpiryScheduler.class);

	private static final long RETRY_WHEN_UNREACHABLE_MILLIS = 500;

	private static final long WAIT_FOR_DISPATCH_MILLIS = 20;

	private static final long RECOVERED_AFTER_MILLIS = 1_000;

	private static final long PURGE_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

	private static final long FOREIGN_WARNING_NANOS = TimeUnit.MINUTES.toNanos(5);

	// With fast handlers, what bounds throughput, and a burst's start, is how many claims this instance holds at once
	// (claimed ahead, queued, or waiting for their outcome to be written); each costs a few hundred bytes.
	private static final int MAX_IN_FLIGHT_PER_LANE = 50_000;

	private static final ExpiredKeyHandlers NO_HANDLERS = new ExpiredKeyHandlers() {

		@Override
		public List<String> expiredPatterns() {
			return List.of();
		}

		@Override
		public boolean accepting() {
			return false;
		}

		@Override
		public int concurrency() {
			return 1;
		}

		@Override
		public boolean submit(byte[] key, @Nullable String value, Instant deadline, TrackedAttempt attempt) {
			return false;
		}

	};

	private final ExpiryLedger ledger;

	private final Supplier<? extends ExpiredKeyHandlers> handlersSupplier;

	private final DispatchMetrics metrics;

	private volatile ExpiredKeyHandlers handlers = NO_HANDLERS;

	private volatile ClaimPace pace = new ClaimPace(Duration.ofSeconds(1), 1, 1);

	// By claim id: tokens count per shard, so only shard and token together name a claim.
	private final Map<String, Attempt> inFlight = new ConcurrentHashMap<>();

	private final Map<Integer, Integer> foreignOffsets = new HashMap<>();

	private final long renewIntervalNanos;

	private volatile @Nullable OutcomeWriter outcomes;

	private volatile @Nullable ClaimsAhead ahead;

	private volatile @Nullable Thread thread;

	private volatile boolean running;

	private volatile boolean closed;

	private volatile long wakeAtNanos;

	// Deadlines and lags are the Redis server's time.
	private final ServerClock serverClock = new ServerClock();

	private boolean reachable = true;

	private long lastForeignWarning = System.nanoTime() - FOREIGN_WARNING_NANOS;

	private boolean shardWarningGiven;

	private boolean rejected;

	private volatile boolean starved;

	/**
	 * Create the scheduler.
	 * @param tracked the ledger's client
	 * @param handlers supplies the application's {@code expired} handlers and the lanes they run on, at start; a
	 * supplier rather than the bean itself, so that the lifecycle phases alone order start and stop
	 * @param metrics where claims, retries, lapses and lag are reported
	 */
	public ExpiryScheduler(RedisTrackedExpirations tracked, Supplier<? extends ExpiredKeyHandlers> handlers,
			DispatchMetrics metrics) {
		this.ledger = tracked.ledger();
		this.handlersSupplier = handlers;
		this.metrics = metrics;
		this.renewIntervalNanos = this.ledger.settings().lease().toNanos() / 3;
		tracked.onTrack(this::trackedWithDelay);
	}

	@Override
	public void start() {
		if (this.running) {
			return;
		}
		ExpiredKeyHandlers handlers = this.handlersSupplier.get();
		this.handlers = handlers;
		this.pace = new ClaimPace(this.ledger.settings().lease(), handlers.concurrency(),
				Math.max(MAX_IN_FLIGHT_PER_LANE, handlers.concurrency() * MAX_IN_FLIGHT_PER_LANE));
		List<String> patterns = handlers.expiredPatterns();
		if (patterns.isEmpty()) {
			logger.info("No @OnKeyExpired handler: this application writes tracked expirations but claims none");
			return;
		}
		this.closed = false;
		this.running = true;
		CustomizableThreadFactory threads = new CustomizableThreadFactory();
		threads.setDaemon(true);
		ClaimsAhead ahead = new ClaimsAhead(this.ledger, this.serverClock, this::begun, this::lost);
		OutcomeWriter outcomes = new OutcomeWriter(this.ledger, this::recorded, ahead::startingBurst);
		outcomes.start(threads);
		this.outcomes = outcomes;
		ahead.start(threads);
		this.ahead = ahead;
		Thread thread = threads.newThread(() -> run(List.copyOf(patterns)));
		thread.setName("keyspace-events-expiry-scheduler");
		this.thread = thread;
		thread.start();
	}

	@Override
	public void stop() {
		if (!this.running) {
			return;
		}
		this.running = false;
		this.closed = true;
		Thread thread = this.thread;
		if (thread != null) {
			LockSupport.unpark(thread);
			join(thread);
			this.thread = null;
		}
		ClaimsAhead ahead = this.ahead;
		if (ahead != null) {
			ahead.stop();
		}
		// Whatever the lanes have not begun, and what was claimed ahead of its due time, goes back now; running
		// attempts record their own outcome, which is awaited (the lanes normally stopped already), so that it is
		// written before the last thread ends.
		this.inFlight.values().forEach(Attempt::giveBackUnstarted);
		long timeoutMillis = Math.min(this.ledger.settings().lease().toMillis(), 10_000);
		long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
		while (this.inFlight.values().stream().anyMatch((attempt) -> !attempt.settled)
				&& System.nanoTime() - until < 0) {
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
		}
		OutcomeWriter outcomes = this.outcomes;
		if (outcomes != null) {
			outcomes.stop(timeoutMillis);
		}
	}

	private static void join(Thread thread) {
		try {
			thread.join(TimeUnit.SECONDS.toMillis(10));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** Starts before the keyspace event subscription and stops after it. */
	@Override
	public int getPhase() {
		return DEFAULT_PHASE - 2048;
	}

	/** @return how many claimed expiries this instance holds (queued, running, or outcome not yet recorded) */
	public int inFlight() {
		return this.inFlight.size();
	}

	private void run(List<String> patterns) {
		long nextRenewal = System.nanoTime() + this.renewIntervalNanos;
		long nextPurge = System.nanoTime();
		while (this.running) {
			if (!this.handlers.accepting()) {
				sleepMillis(WAIT_FOR_DISPATCH_MILLIS);
				continue;
			}
			long waitMillis;
			try {
				long now = System.nanoTime();
				if (now - nextRenewal >= 0) {
					renew();
					nextRenewal = now + this.renewIntervalNanos;
				}
				if (now - nextPurge >= 0) {
					this.ledger.purgeDeadLetters(this.ledger.settings().deadLetterRetention());
					nextPurge = now + PURGE_INTERVAL_NANOS;
				}
				waitMillis = Math.min(claimRound(patterns), TimeUnit.NANOSECONDS.toMillis(nextRenewal - now));
				if (!this.reachable) {
					this.reachable = true;
					logger.info("Tracked expirations: ledger reachable again; overdue entries are being handled");
				}
			}
			catch (RuntimeException ex) {
				if (this.reachable) {
					this.reachable = false;
					logger.warn("Tracked expirations: ledger not reachable ("
							+ NestedExceptionUtils.getMostSpecificCause(ex).getMessage()
							+ "); entries stay in Redis and are handled once it is");
				}
				waitMillis = RETRY_WHEN_UNREACHABLE_MILLIS;
			}
			sleepMillis(waitMillis);
		}
	}

	// One look at every shard; returns how long to sleep.
	private long claimRound(List<String> patterns) {
		TrackingSettings settings = this.ledger.settings();
		long wait = settings.idlePoll().toMillis();
		List<Shard> shards = this.ledger.shards();
		warnIfShardCountDiffers(shards.size());
		long foreign = 0;
		for (Shard shard : shards) {
			int room = this.pace.capacity() - this.inFlight.size();
			if (room <= 0) {
				// Handlers are busy; the next recorded outcome wakes this thread.
				this.starved = true;
				return wait;
			}
			int limit = Math.min(settings.batchSize(), room);
			long sentAt = System.currentTimeMillis();
			ClaimRound round = this.ledger.claim(shard, limit,
					this.foreignOffsets.getOrDefault(shard.index(), 0), patterns);
			this.serverClock.sample(round.serverMillis(), sentAt);
			reportLapsed(round);
			this.foreignOffsets.put(shard.index(), round.scanExhausted() ? 0 : round.foreignOverdue());
			foreign += round.foreignOverdue();
			round.claims().forEach((claim) -> claimed(claim, round.serverMillis()));
			if (round.claims().size() >= limit || !round.scanExhausted()) {
				wait = 0;
			}
			wait = earliest(wait, round.nextDueMillis(), round.horizonMillis());
			wait = earliest(wait, round.nextLeaseEndMillis(), round.serverMillis());
		}
		warnIfForeign(foreign, patterns);
		if (this.rejected) {
			// Lanes full or stopping: what was given back is claimed again after a pause, not in a tight loop.
			this.rejected = false;
			return Math.max(wait, WAIT_FOR_DISPATCH_MILLIS);
		}
		return wait;
	}

	private static long earliest(long wait, @Nullable Long atMillis, long serverMillis) {
		return (atMillis != null) ? Math.max(0, Math.min(wait, atMillis - serverMillis)) : wait;
	}

	private void claimed(Claim claim, long serverMillis) {
		this.metrics.trackedClaimed(claim.attempts() == 0
				&& serverMillis - claim.deadline().toEpochMilli() > RECOVERED_AFTER_MILLIS);
		Attempt attempt = new Attempt(claim);
		this.inFlight.put(claim.id(), attempt);
		ClaimsAhead ahead = this.ahead;
		if (claim.startAtMillis() > serverMillis && ahead != null) {
			ahead.add(claim);
		}
		else {
			submit(attempt);
		}
	}

	private void submit(Attempt attempt) {
		Claim claim = attempt.claim;
		if (!this.handlers.submit(claim.key().getBytes(StandardCharsets.UTF_8), claim.value(), claim.deadline(),
				attempt)) {
			attempt.giveBackUnstarted();
			this.rejected = true;
		}
	}

	// A claim made ahead of its due time still holds at that time.
	private void begun(Claim claim) {
		Attempt attempt = this.inFlight.get(claim.id());
		if (attempt != null) {
			submit(attempt);
		}
	}

	// A claim made ahead of its due time was cancelled, re-written or taken over before it: nothing runs.
	private void lost(Claim claim) {
		Attempt attempt = this.inFlight.remove(claim.id());
		if (attempt != null) {
			attempt.lose();
		}
		if (this.starved) {
			this.starved = false;
			wake();
		}
	}

	// Leases are renewed once they are half a renewal interval old: a burst just claimed costs no renewal round.
	private void renew() {
		long now = this.serverClock.nowMillis();
		long dueAfter = TimeUnit.NANOSECONDS.toMillis(this.renewIntervalNanos) / 2;
		Map<Shard, List<Attempt>> byShard = new LinkedHashMap<>();
		for (Attempt attempt : this.inFlight.values()) {
			if (now - attempt.renewedAtMillis >= dueAfter) {
				byShard.computeIfAbsent(attempt.claim.shard(), (s) -> new ArrayList<>()).add(attempt);
			}
		}
		byShard.forEach((shard, attempts) -> {
			List<String> lostTokens = this.ledger.renew(shard, attempts.stream().map((a) -> a.claim).toList());
			attempts.forEach((attempt) -> attempt.renewedAtMillis = now);
			for (String lostToken : lostTokens) {
				Attempt attempt = this.inFlight.get(shard.index() + ":" + lostToken);
				if (attempt != null) {
					attempt.lose();
				}
			}
		});
	}

	// Called by the outcome writer with the ledger's answer.
	private void recorded(Outcome outcome, String code) {
		Claim claim = outcome.claim();
		this.inFlight.remove(claim.id());
		switch (code) {
			case "retry" -> this.metrics.trackedRetried();
			case "dead" -> {
				this.metrics.trackedDeadLettered();
				logger.error("Tracked expiry of '%s' failed on its last attempt (%d); moved to the dead letter: %s"
					.formatted(claim.key(), claim.attempts() + 1, outcome.error()));
			}
			case "stale" -> logger.debug("Outcome of tracked expiry '" + claim.key()
					+ "' not recorded: it was cancelled, re-written or taken over meanwhile");
			default -> {
			}
		}
		if (this.starved) {
			this.starved = false;
			wake();
		}
	}

	private void reportLapsed(ClaimRound round) {
		if (round.lapsed() > 0) {
			this.metrics.trackedLeaseLapsed(round.lapsed());
			logger.warn(("%d tracked expiry lease(s) lapsed in namespace '%s': the instance holding them stopped "
					+ "renewing (it died, or lost Redis for longer than keyspace-events.tracking.lease); they are "
					+ "retried").formatted(round.lapsed(), this.ledger.settings().namespace()));
		}
		for (String key : round.buried()) {
			this.metrics.trackedDeadLettered();
			logger.error("Tracked expiry of '" + key + "' moved to the dead letter: the lease of its last attempt "
					+ "lapsed");
		}
	}

	private void warnIfForeign(long foreign, List<String> patterns) {
		long now = System.nanoTime();
		if (foreign > 0 && now - this.lastForeignWarning > FOREIGN_WARNING_NANOS) {
			this.lastForeignWarning = now;
			logger.warn(("%d overdue tracked expiries in namespace '%s' match none of this application's "
					+ "@OnKeyExpired patterns %s; they wait for the application that handles them (applications "
					+ "that should not share a ledger can set keyspace-events.tracking.namespace apart)")
				.formatted(foreign, this.ledger.settings().namespace(), patterns));
		}
	}

	private void warnIfShardCountDiffers(int shards) {
		if (!this.shardWarningGiven && this.ledger.shardCountDiffers()) {
			this.shardWarningGiven = true;
			logger.warn(("keyspace-events.tracking.shards=%d is not applied: namespace '%s' was created with %d "
					+ "shards, which every instance keeps using so that no entry is stranded; to change it, use a "
					+ "new keyspace-events.tracking.namespace").formatted(this.ledger.settings().shards(),
							this.ledger.settings().namespace(), shards));
		}
	}

	private void sleepMillis(long millis) {
		this.wakeAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
		long left;
		while (this.running && (left = this.wakeAtNanos - System.nanoTime()) > 0) {
			LockSupport.parkNanos(this, left);
		}
	}

	private void wake() {
		this.wakeAtNanos = System.nanoTime();
		LockSupport.unpark(this.thread);
	}

	// A key written here is due in delayMillis (server time): wake earlier if it comes first.
	private void trackedWithDelay(long delayMillis) {
		long claimInMillis = delayMillis - this.ledger.settings().claimAhead().toMillis();
		long at = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, claimInMillis));
		if (at - this.wakeAtNanos < 0) {
			this.wakeAtNanos = at;
			LockSupport.unpark(this.thread);
		}
	}

	// Dead letters and the ledger keep the error on one line.
	private static String describe(Throwable failure) {
		return (failure.getClass().getName() + ": " + failure.getMessage()).replace('\r', ' ').replace('\n', ' ');
	}

	private long backoffMillis(int attemptsBefore) {
		TrackingSettings settings = this.ledger.settings();
		long doubled = settings.retryBackoff().toMillis() << Math.min(attemptsBefore, 30);
		return Math.min(settings.maxRetryBackoff().toMillis(), (doubled < 0) ? Long.MAX_VALUE : doubled);
	}

	/** One claimed expiry on its way through a lane. */
	private final class Attempt implements TrackedAttempt {

		private final Claim claim;

		private volatile boolean lost;

		private volatile boolean started;

		private volatile boolean settled;

		private long startedNanos;

		// The server time of the claim, then of the last renewal (as this instance's clock estimates it).
		private volatile long renewedAtMillis;

		Attempt(Claim claim) {
			this.claim = claim;
			this.renewedAtMillis = claim.leaseEndMillis() - ExpiryScheduler.this.ledger.settings().lease().toMillis();
		}

		@Override
		public synchronized boolean begin() {
			if (this.lost || this.settled || ExpiryScheduler.this.closed) {
				if (this.lost) {
					ExpiryScheduler.this.inFlight.remove(this.claim.id());
				}
				return false;
			}
			this.started = true;
			this.startedNanos = System.nanoTime();
			long lag = ExpiryScheduler.this.serverClock.nowMillis() - this.claim.deadline().toEpochMilli();
			ExpiryScheduler.this.metrics.trackedLag(Duration.ofMillis(Math.max(0, lag)));
			return true;
		}

		@Override
		public void end(@Nullable Throwable failure) {
			ExpiryScheduler.this.pace.handled(System.nanoTime() - this.startedNanos);
			settle((failure != null) ? Outcome.failed(this.claim, backoffMillis(this.claim.attempts()),
					describe(failure)) : Outcome.done(this.claim));
		}

		@Override
		public void giveBack() {
			settle(Outcome.givenBack(this.claim));
		}

		synchronized void giveBackUnstarted() {
			if (!this.started && !this.settled) {
				settle(Outcome.givenBack(this.claim));
			}
		}

		// Renewal found the claim no longer current: cancelled, re-written or taken over. Skip it if not begun.
		void lose() {
			this.lost = true;
		}

		private synchronized void settle(Outcome outcome) {
			if (this.settled) {
				return;
			}
			this.settled = true;
			OutcomeWriter outcomes = ExpiryScheduler.this.outcomes;
			if (outcomes != null) {
				outcomes.add(outcome);
			}
		}

	}

}
