package io.github.keyspaceevents.tracking;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import io.github.keyspaceevents.dispatch.DispatchMetrics;
import io.github.keyspaceevents.dispatch.ExpiredKeyHandlers;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Claims tracked expiries from the ledger as they come due by the Redis server's clock and runs them on this
 * application's {@code @OnKeyExpired} handlers. One thread claims (sleeping until the next deadline or lease end, at
 * most the idle poll, woken early when this instance writes a key due sooner); a second renews the leases of what
 * this instance holds ({@link LeaseRenewal}); a third records outcomes ({@link OutcomeWriter}).
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

	// With fast handlers, what bounds throughput, and a burst's start, is how many claims this instance holds at once
	// (claimed ahead, queued, or waiting for their outcome to be written); each costs a few hundred bytes.
	private static final int MAX_IN_FLIGHT_PER_LANE = 50_000;


	private final ExpiryLedger ledger;

	private final EvictionGuard evictionGuard;

	private volatile ThreadFactory threadFactory = daemonThreads();

	private volatile long policyCheckNanos = TimeUnit.SECONDS.toNanos(30);

	private final Supplier<? extends ExpiredKeyHandlers> handlersSupplier;

	private final DispatchMetrics metrics;

	private volatile ExpiredKeyHandlers handlers = NoExpiredKeyHandlers.INSTANCE;

	private volatile ClaimPace pace = new ClaimPace(Duration.ofSeconds(1), 1, 1);

	private final ClaimsHeld inFlight;

	private final Map<Integer, Integer> foreignOffsets = new HashMap<>();

	private final LeaseRenewal renewal;

	private final AttemptHost attemptHost = new AttemptHost();

	private final LedgerWarnings warnings;

	private final Alarm alarm = new Alarm(() -> this.running);

	private volatile @Nullable OutcomeWriter outcomes;

	private volatile @Nullable ClaimsAhead ahead;

	private volatile @Nullable Thread thread;

	private volatile boolean running;

	private volatile boolean closed;

	// Deadlines and lags are the Redis server's time.
	private final ServerClock serverClock = new ServerClock();

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
		this.evictionGuard = tracked.evictionGuard();
		this.evictionGuard.setMetrics(metrics);
		this.handlersSupplier = handlers;
		this.metrics = metrics;
		Duration lease = this.ledger.settings().lease();
		this.inFlight = new ClaimsHeld(this.ledger, lease.dividedBy(3).toMillis());
		this.renewal = new LeaseRenewal(this.inFlight, this.serverClock, lease);
		this.warnings = new LedgerWarnings(this.ledger, metrics);
		// A key written here is due at dueAtMillis (server time): claim it then, or as early as claim-ahead allows.
		long claimAheadMillis = this.ledger.settings().claimAhead().toMillis();
		tracked.onTrack((dueAtMillis) -> this.alarm.wakeIn(dueAtMillis - this.serverClock.nowMillis()
				- claimAheadMillis));
	}

	/**
	 * Set where the claim loop, the claims held ahead and the outcome writer run: virtual threads where the
	 * application enables them ({@code spring.threads.virtual.enabled}). Lease renewal keeps a platform thread of its
	 * own, so that renewals are never queued behind other virtual threads for a carrier.
	 * @param threadFactory the thread factory
	 */
	public void setThreadFactory(ThreadFactory threadFactory) {
		this.threadFactory = threadFactory;
	}

	private static ThreadFactory daemonThreads() {
		CustomizableThreadFactory threads = new CustomizableThreadFactory();
		threads.setDaemon(true);
		return threads;
	}

	/**
	 * Set how often the server's {@code maxmemory-policy} is read again while this scheduler runs.
	 * @param interval the interval ({@code keyspace-events.notifications.check-interval})
	 */
	public void setPolicyCheckInterval(Duration interval) {
		this.policyCheckNanos = interval.toNanos();
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
		ThreadFactory threads = this.threadFactory;
		ClaimsAhead ahead = new ClaimsAhead(this.ledger, this.serverClock, this::begun, this::lost);
		OutcomeWriter outcomes = new OutcomeWriter(this.ledger, this::recorded, ahead::startingBurst);
		outcomes.start(threads);
		this.outcomes = outcomes;
		ahead.start(threads);
		this.ahead = ahead;
		this.renewal.start();
		Thread thread = threads.newThread(() -> run(List.copyOf(patterns)));
		thread.setName("keyspace-events-expiry-scheduler");
		this.thread = thread;
		this.alarm.setThread(thread);
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
		// attempts record their own outcome.
		long timeoutMillis = Math.min(this.ledger.settings().lease().toMillis(), 10_000);
		this.inFlight.giveBackAndAwait(timeoutMillis);
		OutcomeWriter outcomes = this.outcomes;
		if (outcomes != null) {
			outcomes.stop(timeoutMillis);
		}
		// Last: running attempts and unwritten outcomes hold leases until then.
		this.renewal.stop();
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
		long nextPurge = System.nanoTime();
		long nextPolicyCheck = System.nanoTime();
		while (this.running) {
			if (!this.handlers.accepting()) {
				this.alarm.sleepMillis(WAIT_FOR_DISPATCH_MILLIS);
				continue;
			}
			long waitMillis;
			try {
				long now = System.nanoTime();
				if (now - nextPurge >= 0) {
					this.ledger.deadLetters().purge(this.ledger.settings().deadLetterRetention());
					nextPurge = now + PURGE_INTERVAL_NANOS;
				}
				if (now - nextPolicyCheck >= 0) {
					// A policy changed at runtime is told (and writes refused) within an interval.
					this.evictionGuard.check();
					nextPolicyCheck = now + this.policyCheckNanos;
				}
				waitMillis = claimRound(patterns);
				this.warnings.reachable();
			}
			catch (RuntimeException ex) {
				this.warnings.unreachable(ex);
				waitMillis = RETRY_WHEN_UNREACHABLE_MILLIS;
			}
			this.alarm.sleepMillis(waitMillis);
		}
	}

	// One look at every shard; returns how long to sleep.
	private long claimRound(List<String> patterns) {
		TrackingSettings settings = this.ledger.settings();
		long wait = settings.idlePoll().toMillis();
		List<Shard> shards = this.ledger.shards();
		this.warnings.shardCountDiffers(shards.size());
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
			this.warnings.lapsed(round);
			this.foreignOffsets.put(shard.index(), round.scanExhausted() ? 0 : round.foreignOverdue());
			foreign += round.foreignOverdue();
			round.claims().forEach((claim) -> claimed(claim, round.serverMillis()));
			if (round.claims().size() >= limit || !round.scanExhausted()) {
				wait = 0;
			}
			wait = earliest(wait, round.lookAgainAtMillis(), round.serverMillis());
			wait = earliest(wait, round.nextLeaseEndMillis(), round.serverMillis());
		}
		this.warnings.foreign(foreign, patterns);
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
		ClaimAttempt attempt = new ClaimAttempt(claim, this.ledger.settings(), this.attemptHost);
		this.inFlight.add(attempt);
		ClaimsAhead ahead = this.ahead;
		if (claim.startAtMillis() > serverMillis && ahead != null) {
			ahead.add(claim);
		}
		else {
			submit(attempt);
		}
	}

	private void submit(ClaimAttempt attempt) {
		Claim claim = attempt.claim();
		if (!this.handlers.submit(claim.key().getBytes(StandardCharsets.UTF_8), claim.value(), claim.deadline(),
				attempt)) {
			attempt.giveBackUnstarted();
			this.rejected = true;
		}
	}

	// A claim made ahead of its due time still holds at that time (its lease renewed by the check, if it was looked up).
	private void begun(Claim claim, long renewedAtMillis) {
		ClaimAttempt attempt = this.inFlight.get(claim);
		if (attempt != null) {
			attempt.renewed(renewedAtMillis);
			submit(attempt);
		}
	}

	// A claim made ahead of its due time was cancelled, re-written or taken over before it: nothing runs.
	private void lost(Claim claim) {
		ClaimAttempt attempt = this.inFlight.remove(claim);
		if (attempt != null) {
			attempt.lose();
		}
		if (this.starved) {
			this.starved = false;
			this.alarm.wake();
		}
	}

	// Called by the outcome writer with the ledger's answer.
	private void recorded(Outcome outcome, String code) {
		this.inFlight.remove(outcome.claim());
		this.warnings.recorded(outcome, code);
		if (this.starved) {
			this.starved = false;
			this.alarm.wake();
		}
	}

	// What an attempt needs from the scheduler.
	private final class AttemptHost implements ClaimAttempt.Host {

		@Override
		public boolean closed() {
			return ExpiryScheduler.this.closed;
		}

		@Override
		public void forget(Claim claim) {
			ExpiryScheduler.this.inFlight.remove(claim);
		}

		@Override
		public boolean leaseMayHaveEnded(long renewedAtMillis) {
			// A tenth of the lease: what this instance's estimate of the server's clock and of the renewal's own
			// time could be off by.
			long lease = ExpiryScheduler.this.ledger.settings().lease().toMillis();
			return ExpiryScheduler.this.serverClock.nowMillis() >= renewedAtMillis + lease - lease / 10;
		}

		@Override
		public void began(Claim claim) {
			long lag = ExpiryScheduler.this.serverClock.nowMillis() - claim.deadline().toEpochMilli();
			ExpiryScheduler.this.metrics.trackedLag(Duration.ofMillis(Math.max(0, lag)));
		}

		@Override
		public void ran(long nanos) {
			ExpiryScheduler.this.pace.handled(nanos);
		}

		@Override
		public void settle(Outcome outcome) {
			OutcomeWriter outcomes = ExpiryScheduler.this.outcomes;
			if (outcomes != null) {
				outcomes.add(outcome);
			}
		}

	}

}
