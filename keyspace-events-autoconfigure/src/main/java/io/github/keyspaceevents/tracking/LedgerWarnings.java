package io.github.keyspaceevents.tracking;

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.keyspaceevents.dispatch.DispatchMetrics;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.NestedExceptionUtils;

/**
 * What the scheduler tells operators about the ledger as it claims and records outcomes: an outage (when it starts and
 * ends), retries, lapsed leases and dead letters (each time), entries no handler of this application matches (at most
 * every five minutes), a shard count that is not applied (once).
 */
final class LedgerWarnings {

	private static final Log logger = LogFactory.getLog(ExpiryScheduler.class);

	private static final long FOREIGN_WARNING_NANOS = TimeUnit.MINUTES.toNanos(5);

	private final ExpiryLedger ledger;

	private final DispatchMetrics metrics;

	private long lastForeignWarning = System.nanoTime() - FOREIGN_WARNING_NANOS;

	private boolean shardWarningGiven;

	private boolean reachable = true;

	LedgerWarnings(ExpiryLedger ledger, DispatchMetrics metrics) {
		this.ledger = ledger;
		this.metrics = metrics;
	}

	// Logged once per outage: when the ledger stops answering and when it answers again.
	void unreachable(RuntimeException ex) {
		if (this.reachable) {
			this.reachable = false;
			logger.warn("Tracked expirations: ledger not reachable ("
					+ NestedExceptionUtils.getMostSpecificCause(ex).getMessage()
					+ "); entries stay in Redis and are handled once it is");
		}
	}

	void reachable() {
		if (!this.reachable) {
			this.reachable = true;
			logger.info("Tracked expirations: ledger reachable again; overdue entries are being handled");
		}
	}

	void lapsed(ClaimRound round) {
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

	void foreign(long foreign, List<String> patterns) {
		long now = System.nanoTime();
		if (foreign > 0 && now - this.lastForeignWarning > FOREIGN_WARNING_NANOS) {
			this.lastForeignWarning = now;
			logger.warn(("%d overdue tracked expiries in namespace '%s' match none of this application's "
					+ "@OnKeyExpired patterns %s; they wait for the application that handles them (applications "
					+ "that should not share a ledger can set keyspace-events.tracking.namespace apart)")
				.formatted(foreign, this.ledger.settings().namespace(), patterns));
		}
	}

	void shardCountDiffers(int shards) {
		if (!this.shardWarningGiven && this.ledger.shardCountDiffers()) {
			this.shardWarningGiven = true;
			logger.warn(("keyspace-events.tracking.shards=%d is not applied: namespace '%s' was created with %d "
					+ "shards, which every instance keeps using so that no entry is stranded; to change it, use a "
					+ "new keyspace-events.tracking.namespace").formatted(this.ledger.settings().shards(),
							this.ledger.settings().namespace(), shards));
		}
	}

	// The ledger's answer to an outcome: only retries, dead letters and fenced outcomes are worth telling.
	void recorded(Outcome outcome, String code) {
		Claim claim = outcome.claim();
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
	}

}
