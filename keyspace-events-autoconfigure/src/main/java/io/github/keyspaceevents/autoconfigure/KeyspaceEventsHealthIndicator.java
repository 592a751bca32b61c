package io.github.keyspaceevents.autoconfigure;

import io.github.keyspaceevents.listener.KeyspaceEventSubscription;
import io.github.keyspaceevents.tracking.RedisTrackedExpirations;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * Health of keyspace event delivery: {@code DOWN} while Redis is unreachable or the subscription was never made,
 * {@code OUT_OF_SERVICE} when the server's {@code notify-keyspace-events} lacks letters the handlers need (drift, or
 * verify mode), {@code UP} otherwise. Details show the channels, the flags, dropped events, the tracked-expiration
 * backlog and, for a Redis Cluster, each node.
 */
class KeyspaceEventsHealthIndicator extends AbstractHealthIndicator {

	private final KeyspaceEventSubscription subscription;

	private final @Nullable RedisTrackedExpirations tracked;

	KeyspaceEventsHealthIndicator(KeyspaceEventSubscription subscription, @Nullable RedisTrackedExpirations tracked) {
		super("Keyspace events health check failed");
		this.subscription = subscription;
		this.tracked = tracked;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		KeyspaceEventSubscription.Status status = this.subscription.status();
		if (status.problem() != null) {
			builder.down().withDetail("problem", status.problem());
		}
		else if (status.channels().isEmpty() && !status.subscribed()) {
			// No handlers: nothing to subscribe (an application that only writes tracked expirations).
			builder.up();
		}
		else if (!status.subscribed() || !status.redisReachable()) {
			builder.down();
		}
		else if ("MISSING".equals(status.flagsState())) {
			builder.status(Status.OUT_OF_SERVICE);
		}
		else {
			builder.up();
		}
		builder.withDetail("subscribed", status.subscribed())
			.withDetail("redisReachable", status.redisReachable())
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
		if (this.tracked != null && status.redisReachable()) {
			RedisTrackedExpirations.Backlog backlog = this.tracked.backlog();
			builder.withDetail("trackedOverdue", backlog.overdue())
				.withDetail("trackedScheduled", backlog.scheduled())
				.withDetail("trackedInFlight", backlog.leased())
				.withDetail("trackedDeadLetters", backlog.deadLetters());
		}
	}

}
