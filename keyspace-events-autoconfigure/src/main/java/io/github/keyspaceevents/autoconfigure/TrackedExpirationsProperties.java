package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties for tracked expirations (the {@code TrackedExpirations} bean and its scheduler): the
 * ledger's namespace and shape, leases, retries and dead letters.
 */
@ConfigurationProperties("keyspace-events.tracking")
public class TrackedExpirationsProperties {

	/**
	 * Whether tracked expirations are available (the TrackedExpirations bean and its scheduler).
	 */
	private boolean enabled = true;

	/**
	 * Namespace of the ledger's Redis keys. Applications sharing a namespace share one ledger: each claims only
	 * the keys its own @OnKeyExpired handlers match, and a writer and its worker must use the same namespace.
	 */
	private String namespace = "keyspace-events";

	/**
	 * Number of ledger shards a new namespace is created with; each lives in one cluster slot. Fixed once the
	 * namespace exists, so that no entry is stranded.
	 */
	private int shards = 8;

	/**
	 * How long a claimed entry stays with its instance without being renewed. The instance renews it every third
	 * of this while the entry waits or runs, so only an instance that died or lost Redis for this long loses it.
	 */
	private Duration lease = Duration.ofSeconds(30);

	/**
	 * How long a dead letter is kept before it is purged.
	 */
	private Duration deadLetterRetention = Duration.ofDays(7);

	/**
	 * Attempts before a failing expiry goes to the dead letter.
	 */
	private int maxAttempts = 5;

	/**
	 * Delay before retrying a failed expiry; doubled for each further attempt.
	 */
	private Duration retryBackoff = Duration.ofSeconds(1);

	/**
	 * Longest delay between two attempts.
	 */
	private Duration maxRetryBackoff = Duration.ofMinutes(5);

	/**
	 * Longest pause between two looks at the ledger when nothing is due sooner; it also bounds how late entries
	 * written by other instances are seen.
	 */
	private Duration idlePoll = Duration.ofSeconds(1);

	/**
	 * Most entries claimed per shard in one step (at most 5000).
	 */
	private int batchSize = 500;

	/**
	 * How long before their due time entries may be claimed, at most. They are handled only from their due time on,
	 * and only if still tracked then. A burst of expiries due at the same moment is claimed as far ahead as claiming
	 * it takes, plus a tenth of this, so that it starts on time; a steady stream only a little more than a tenth of
	 * this ahead, so that claims do not pile up in memory. Costs one more round trip per due moment; 0 claims only
	 * what is due.
	 */
	private Duration claimAhead = Duration.ofSeconds(2);

	/**
	 * Whether to accept a Redis whose maxmemory-policy can evict the ledger and tracked keys (allkeys-* with a
	 * maxmemory limit). By default the application then fails to start if it uses tracked expirations, and writes are
	 * refused; when accepted, evicted expiries are lost, and each eviction of a ledger key is logged as an error and
	 * turns health down.
	 */
	private boolean allowEviction;

	private final Redis redis = new Redis();

	public Redis getRedis() {
		return this.redis;
	}

	public boolean isAllowEviction() {
		return this.allowEviction;
	}

	public void setAllowEviction(boolean allowEviction) {
		this.allowEviction = allowEviction;
	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getNamespace() {
		return this.namespace;
	}

	public void setNamespace(String namespace) {
		this.namespace = namespace;
	}

	public Duration getDeadLetterRetention() {
		return this.deadLetterRetention;
	}

	public void setDeadLetterRetention(Duration deadLetterRetention) {
		this.deadLetterRetention = deadLetterRetention;
	}

	public int getShards() {
		return this.shards;
	}

	public void setShards(int shards) {
		this.shards = shards;
	}

	public Duration getLease() {
		return this.lease;
	}

	public void setLease(Duration lease) {
		this.lease = lease;
	}

	public int getMaxAttempts() {
		return this.maxAttempts;
	}

	public void setMaxAttempts(int maxAttempts) {
		this.maxAttempts = maxAttempts;
	}

	public Duration getRetryBackoff() {
		return this.retryBackoff;
	}

	public void setRetryBackoff(Duration retryBackoff) {
		this.retryBackoff = retryBackoff;
	}

	public Duration getMaxRetryBackoff() {
		return this.maxRetryBackoff;
	}

	public void setMaxRetryBackoff(Duration maxRetryBackoff) {
		this.maxRetryBackoff = maxRetryBackoff;
	}

	public Duration getClaimAhead() {
		return this.claimAhead;
	}

	public void setClaimAhead(Duration claimAhead) {
		this.claimAhead = claimAhead;
	}

	public Duration getIdlePoll() {
		return this.idlePoll;
	}

	public void setIdlePoll(Duration idlePoll) {
		this.idlePoll = idlePoll;
	}

	public int getBatchSize() {
		return this.batchSize;
	}

	public void setBatchSize(int batchSize) {
		this.batchSize = batchSize;
	}

	/**
	 * A Redis of the ledger's own, apart from the application's main one.
	 */
	public static class Redis {

		/**
		 * Connection URL of a Redis (standalone, or Sentinel with redis-sentinel://) that keeps the ledger instead of
		 * the application's main Redis, e.g. redis://user:secret@ledger.example.com:6379/0; rediss:// for TLS.
		 * Overrides nothing of spring.data.redis.*, which keyspace events keep using.
		 */
		private @Nullable String url;

		public @Nullable String getUrl() {
			return this.url;
		}

		public void setUrl(@Nullable String url) {
			this.url = url;
		}

	}

}
