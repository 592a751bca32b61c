package io.github.keyspaceevents.tracking;

import java.time.Duration;

/**
 * How tracked expirations behave, resolved from {@code keyspace-events.tracking.*} by the auto-configuration.
 *
 * @param namespace prefix of the ledger's Redis keys; applications sharing a namespace share one ledger
 * @param shards number of shards a new namespace is created with
 * @param lease how long a claim holds an entry without being renewed by its instance
 * @param maxAttempts attempts before an entry goes to the dead letter
 * @param retryBackoff delay before the first retry; doubled for each further one
 * @param maxRetryBackoff longest delay between retries
 * @param batchSize most entries claimed per shard in one step
 * @param idlePoll longest pause between two looks at the ledger
 * @param claimAhead how long before their due time entries may be claimed, at most (they are still handled only from
 * then on): a burst as far ahead as claiming it takes, a steady stream a little more than a tenth of it
 * @param deadLetterRetention how long a dead letter is kept
 */
public record TrackingSettings(String namespace, int shards, Duration lease, int maxAttempts, Duration retryBackoff,
		Duration maxRetryBackoff, int batchSize, Duration idlePoll, Duration claimAhead, Duration deadLetterRetention) {

	/**
	 * @param attemptsBefore failed attempts before this one
	 * @return how long to wait before retrying: the backoff doubled per earlier failure, at most the maximum
	 */
	long retryBackoffMillis(int attemptsBefore) {
		long doubled = this.retryBackoff.toMillis() << Math.min(attemptsBefore, 30);
		return Math.min(this.maxRetryBackoff.toMillis(), (doubled < 0) ? Long.MAX_VALUE : doubled);
	}

}
