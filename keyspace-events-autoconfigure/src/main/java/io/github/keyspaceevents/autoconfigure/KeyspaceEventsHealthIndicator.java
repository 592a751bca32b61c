package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import io.github.keyspaceevents.subscription.SubscriptionStatus;
import io.github.keyspaceevents.tracking.RedisTrackedExpirations;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Health of keyspace event delivery: {@code DOWN} while Redis is unreachable, does not answer, or the subscription was
 * never made, {@code OUT_OF_SERVICE} when the server's {@code notify-keyspace-events} lacks letters the handlers need
 * (drift, or verify mode), {@code UP} otherwise. Tracked expirations make it {@code DOWN} when Redis evicted keys of
 * their ledger while its {@code maxmemory-policy} still allows it. Details show the channels, the flags, dropped events, the
 * tracked-expiration backlog and, for a Redis Cluster, each node.
 * <p>
 * Answers within about a second whatever Redis does: subscription and flag state are kept by the subscription as it
 * learns them, and the one live query, the tracked backlog, runs on a thread of its own and is waited for only that
 * long (a hung Redis would otherwise hold a health probe for the client's whole command timeout).
 */
class KeyspaceEventsHealthIndicator extends AbstractHealthIndicator implements DisposableBean {

	static final Duration BACKLOG_WAIT = Duration.ofSeconds(1);

	private final KeyspaceEventSubscription subscription;

	private final @Nullable RedisTrackedExpirations tracked;

	private final @Nullable ExecutorService backlogQueries;

	// The query in progress, if the last check gave up on it: never more than one at a time.
	private @Nullable CompletableFuture<RedisTrackedExpirations.Backlog> pending;

	KeyspaceEventsHealthIndicator(KeyspaceEventSubscription subscription, @Nullable RedisTrackedExpirations tracked) {
		super("Keyspace events health check failed");
		this.subscription = subscription;
		this.tracked = tracked;
		this.backlogQueries = (tracked != null) ? Executors.newSingleThreadExecutor(threads()) : null;
	}

	private static CustomizableThreadFactory threads() {
		CustomizableThreadFactory threads = new CustomizableThreadFactory("keyspace-events-health-");
		threads.setDaemon(true);
		return threads;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		SubscriptionStatus status = this.subscription.status();
		String backlogProblem = null;
		RedisTrackedExpirations.Backlog backlog = null;
		if (this.tracked != null && status.redisReachable()) {
			try {
				backlog = backlog();
			}
			catch (TimeoutException ex) {
				backlogProblem = "Redis did not answer the tracked-expiration backlog query within "
						+ BACKLOG_WAIT.toMillis() + " ms";
			}
			catch (RuntimeException ex) {
				backlogProblem = "Tracked-expiration backlog query failed: "
						+ NestedExceptionUtils.getMostSpecificCause(ex).getMessage();
			}
		}
		boolean reachable = status.redisReachable() && backlogProblem == null;
		RedisTrackedExpirations.EvictionStatus eviction = (this.tracked != null) ? this.tracked.evictionStatus()
				: null;
		if (eviction != null && eviction.problem() != null) {
			builder.down().withDetail("problem", eviction.problem());
		}
		else if (status.problem() != null) {
			builder.down().withDetail("problem", status.problem());
		}
		else if (backlogProblem != null) {
			builder.down().withDetail("problem", backlogProblem);
		}
		else if (status.channels().isEmpty() && !status.subscribed()) {
			// No handlers: nothing to subscribe (an application that only writes tracked expirations).
			builder.up();
		}
		else if (!status.subscribed() || !reachable) {
			builder.down();
		}
		else if ("MISSING".equals(status.flagsState())) {
			builder.status(Status.OUT_OF_SERVICE);
		}
		else {
			builder.up();
		}
		builder.withDetail("subscribed", status.subscribed())
			.withDetail("redisReachable", reachable)
			.withDetail("channels", status.channels())
			.withDetail("requiredFlags", status.requiredFlags())
			.withDetail("flags", status.flagsState())
			.withDetail("missingFlags", status.missingFlags())
			.withDetail("droppedEvents", status.droppedEvents());
		if (status.serverFlags() != null) {
			builder.withDetail("serverFlags", status.serverFlags());
		}
		if (!status.nodes().isEmpty()) {
			builder.withDetail("nodes", status.nodes());
		}
		if (status.flagsProblem() != null) {
			builder.withDetail("flagsProblem", status.flagsProblem());
		}
		if (eviction != null) {
			builder.withDetail("trackedEvictionPolicy", eviction.policy());
			if (eviction.canEvict()) {
				builder.withDetail("trackedEvictionAccepted", eviction.accepted())
					.withDetail("trackedWritesRefused", eviction.writesRefused());
			}
			if (eviction.ledgerKeysEvicted() > 0) {
				builder.withDetail("trackedLedgerKeysEvicted", eviction.ledgerKeysEvicted());
			}
		}
		if (backlog != null) {
			builder.withDetail("trackedOverdue", backlog.overdue())
				.withDetail("trackedScheduled", backlog.scheduled())
				.withDetail("trackedInFlight", backlog.leased())
				.withDetail("trackedDeadLetters", backlog.deadLetters());
		}
	}

	private synchronized RedisTrackedExpirations.Backlog backlog() throws TimeoutException {
		CompletableFuture<RedisTrackedExpirations.Backlog> query = this.pending;
		if (query == null) {
			RedisTrackedExpirations tracked = this.tracked;
			query = CompletableFuture.supplyAsync(tracked::backlog, this.backlogQueries);
		}
		try {
			RedisTrackedExpirations.Backlog backlog = query.get(BACKLOG_WAIT.toMillis(), TimeUnit.MILLISECONDS);
			this.pending = null;
			return backlog;
		}
		catch (TimeoutException ex) {
			// Still running: the next check waits on the same query instead of queueing another.
			this.pending = query;
			throw ex;
		}
		catch (ExecutionException ex) {
			this.pending = null;
			throw (ex.getCause() instanceof RuntimeException runtime) ? runtime : new IllegalStateException(ex.getCause());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new TimeoutException("interrupted");
		}
	}

	@Override
	public void destroy() {
		if (this.backlogQueries != null) {
			this.backlogQueries.shutdownNow();
		}
	}

}
