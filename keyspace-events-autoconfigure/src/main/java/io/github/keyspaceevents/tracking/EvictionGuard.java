package io.github.keyspaceevents.tracking;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.github.keyspaceevents.KeyspaceEventsConfigurationException;
import io.github.keyspaceevents.dispatch.DispatchMetrics;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.InvalidDataAccessApiUsageException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Keeps tracked expirations off a Redis that may evict them: reads {@code maxmemory} and {@code maxmemory-policy}
 * (every master of a cluster), refuses writes where an {@code allkeys-*} policy with a memory limit could evict the
 * ledger (unless {@code keyspace-events.tracking.allow-eviction} accepts it), and reports every eviction of the
 * ledger's own keys that Redis publishes.
 * <p>
 * Says what it found when that changes, so that the periodic check is quiet.
 */
final class EvictionGuard {

	private static final Log logger = LogFactory.getLog(RedisTrackedExpirations.class);

	static final String ALLOW_PROPERTY = "keyspace-events.tracking.allow-eviction";

	private static final String POLICY_FIXES = "Set the server's maxmemory-policy to noeviction or a volatile-* "
			+ "policy (nothing tracked expirations write carries a TTL, so volatile-* never evicts it), or give tracked "
			+ "expirations a Redis of their own (keyspace-events.tracking.redis.*)";

	private static final String FIXES = POLICY_FIXES + ", or set " + ALLOW_PROPERTY + "=true to accept that "
			+ "evicted expiries are lost (each eviction is then logged as an ERROR and turns health DOWN).";

	private static final String WHERE_TO_LOOK = "Self-managed: redis.conf or CONFIG GET maxmemory-policy; AWS "
			+ "ElastiCache: the 'maxmemory-policy' parameter of the cluster's parameter group; Azure Cache for Redis: "
			+ "Advanced settings > maxmemory-policy; Google Memorystore: the instance's 'maxmemory-policy' "
			+ "configuration.";

	private final RedisConnectionFactory connectionFactory;

	private final String namespace;

	private final byte[] shardPrefix;

	private final byte[] metaKey;

	private volatile boolean allowEviction;

	private volatile DispatchMetrics metrics = DispatchMetrics.NONE;

	private volatile Risk risk = Risk.UNKNOWN;

	private volatile List<MemoryPolicy> policies = List.of();

	private volatile @Nullable String unreadable;

	private final AtomicLong evicted = new AtomicLong();

	private volatile @Nullable String lastEvicted;

	EvictionGuard(RedisConnectionFactory connectionFactory, String namespace) {
		this.connectionFactory = connectionFactory;
		this.namespace = namespace;
		this.shardPrefix = ("{" + namespace + ":").getBytes(StandardCharsets.UTF_8);
		this.metaKey = Shard.metaKey(namespace).getBytes(StandardCharsets.UTF_8);
	}

	void setAllowEviction(boolean allowEviction) {
		this.allowEviction = allowEviction;
	}

	void setMetrics(DispatchMetrics metrics) {
		this.metrics = metrics;
	}

	Risk risk() {
		return this.risk;
	}

	/**
	 * Read the policy of every master and say what changed.
	 * @return what it means for the ledger
	 * @throws RedisConnectionFailureException if Redis cannot be reached (nothing is concluded then)
	 * @throws QueryTimeoutException if Redis does not answer within the client's command timeout
	 */
	Risk check() {
		Risk previous = this.risk;
		Risk now;
		try {
			List<MemoryPolicy> read = read();
			this.policies = read;
			this.unreadable = null;
			now = read.stream().anyMatch(MemoryPolicy::evictsLedger) ? Risk.EVICTS
					: read.stream().anyMatch(MemoryPolicy::evictsAnyKey) ? Risk.NO_LIMIT_YET : Risk.SAFE;
		}
		catch (RedisConnectionFailureException | QueryTimeoutException ex) {
			// Unreachable or hung: nothing to conclude; read again once Redis answers.
			throw ex;
		}
		catch (DataAccessException ex) {
			// INFO refused (ACL) or unknown to this server: say so, and where to look.
			this.unreadable = NestedExceptionUtils.getMostSpecificCause(ex).getMessage();
			now = Risk.UNREADABLE;
		}
		this.risk = now;
		if (now != previous) {
			report(previous, now);
		}
		return now;
	}

	private List<MemoryPolicy> read() {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			List<MemoryPolicy> policies = new ArrayList<>();
			if (connection instanceof RedisClusterConnection cluster) {
				for (RedisClusterNode node : cluster.clusterGetNodes()) {
					if (node.isMaster() && node.isConnected()
							&& !node.getFlags().contains(RedisClusterNode.Flag.FAIL)) {
						String address = node.getHost() + ":" + node.getPort();
						add(policies, MemoryPolicy.fromInfo(address, cluster.serverCommands().info(node, "memory")),
								address);
					}
				}
			}
			else {
				add(policies, MemoryPolicy.fromInfo("", connection.serverCommands().info("memory")), "Redis");
			}
			return List.copyOf(policies);
		}
	}

	private static void add(List<MemoryPolicy> policies, @Nullable MemoryPolicy policy, String node) {
		if (policy == null) {
			throw new InvalidDataAccessApiUsageException(
					"INFO memory of " + node + " shows no maxmemory_policy");
		}
		policies.add(policy);
	}

	private void report(Risk previous, Risk now) {
		switch (now) {
			case EVICTS -> {
				if (this.allowEviction) {
					logger.warn(("Redis %s can evict the tracked-expiration ledger (namespace '%s') and tracked keys "
							+ "once memory is full; %s=true accepts it: an evicted expiry is lost, and each eviction of "
							+ "the ledger's keys is logged as an ERROR and turns health DOWN").formatted(describe(),
									this.namespace, ALLOW_PROPERTY));
				}
				else if (previous != Risk.UNKNOWN) {
					logger.error(refusal() + " Tracked writes are refused from now on. " + FIXES);
				}
				else {
					logger.warn(refusal() + " Tracked writes are refused. " + FIXES);
				}
			}
			case NO_LIMIT_YET -> logger.warn(("Redis %s: an allkeys policy evicts nothing while maxmemory is 0, but "
					+ "would evict the tracked-expiration ledger (namespace '%s') once a limit is set; it is checked "
					+ "again periodically. Prefer noeviction or a volatile-* policy.").formatted(describe(),
							this.namespace));
			case UNREADABLE -> logger.warn(("Could not read Redis maxmemory-policy (%s): tracked expirations cannot "
					+ "tell whether Redis may evict their ledger (namespace '%s'). It must be noeviction or "
					+ "volatile-*; an allkeys-* policy loses expiries. %s").formatted(this.unreadable, this.namespace,
							WHERE_TO_LOOK));
			case SAFE -> {
				if (previous == Risk.EVICTS || previous == Risk.NO_LIMIT_YET) {
					logger.info("Redis " + describe() + " no longer evicts the tracked-expiration ledger");
				}
			}
			case UNKNOWN -> {
			}
		}
	}

	private String refusal() {
		return ("Redis %s can evict the tracked-expiration ledger (namespace '%s') and tracked keys once memory is "
				+ "full, losing expiries without a trace.").formatted(describe(), this.namespace);
	}

	private String describe() {
		List<MemoryPolicy> risky = this.policies.stream().filter(MemoryPolicy::evictsAnyKey).toList();
		List<MemoryPolicy> shown = risky.isEmpty() ? this.policies : risky;
		return "maxmemory-policy " + String.join(", ", shown.stream().map(MemoryPolicy::describe).toList());
	}

	/**
	 * Fail startup where the policy evicts the ledger and the application uses tracked expirations.
	 * @param users what uses them (bean names, or a description of the entries already in the ledger)
	 */
	void refuseToStart(List<String> users) {
		throw new KeyspaceEventsConfigurationException(refusal() + " Tracked expirations are used by "
				+ String.join(", ", users) + ".", FIXES);
	}

	/** Refuse a write that the server's policy could evict, unless the application accepted that. */
	void checkWritable(String key) {
		if (this.risk == Risk.EVICTS && !this.allowEviction) {
			throw new KeyspaceEventsConfigurationException("Tracked key '" + key + "' not written: " + refusal(),
					FIXES);
		}
	}

	/** @return whether evictions are worth watching: the policy may evict the ledger, or could not be read */
	boolean worthWatching() {
		Risk risk = this.risk;
		return risk == Risk.EVICTS || risk == Risk.NO_LIMIT_YET || risk == Risk.UNREADABLE
				|| (risk == Risk.UNKNOWN && this.allowEviction);
	}

	/**
	 * Redis evicted a key (an {@code evicted} event, on the Redis I/O thread): if it is one of the ledger's, say
	 * which and what was lost with it.
	 */
	void evicted(byte[] key) {
		if (!startsWith(key, this.shardPrefix) && !Arrays.equals(key, this.metaKey)) {
			return;
		}
		String name = new String(key, StandardCharsets.UTF_8);
		this.evicted.incrementAndGet();
		this.lastEvicted = name;
		this.metrics.trackedLedgerKeyEvicted();
		logger.error(("Redis evicted '%s' of tracked-expiration namespace '%s' (%s). It was %s. %s")
			.formatted(name, this.namespace, describe(), role(name), POLICY_FIXES + "."));
	}

	private static String role(String key) {
		String shard = key.substring(key.indexOf(':') + 1, Math.max(key.indexOf('}'), key.indexOf(':') + 1));
		String suffix = key.substring(key.lastIndexOf(':') + 1);
		return switch (suffix) {
			case "due" -> "the due set of shard " + shard + ": every expiry of that shard that was scheduled or "
					+ "waiting for a retry is lost and will never be handled";
			case "entries" -> "the entries of shard " + shard + ": the deadlines, attempts and values of its "
					+ "claimed and retried expiries are lost";
			case "leased" -> "the leases of shard " + shard + ": claims whose instance dies are no longer recovered";
			case "tokens" -> "the claim tokens of shard " + shard + ": the outcomes of running attempts are fenced out "
					+ "and those expiries are lost";
			case "seq" -> "the token counter of shard " + shard + ": tokens restart, so a stale holder may not be "
					+ "fenced out";
			case "dead", "dead-index" -> "the dead letters of shard " + shard + ", which are lost";
			case "revoked" -> "the revoked claims of shard " + shard + ": a claim cancelled before its due time may "
					+ "still run";
			case "meta" -> "the namespace's shard count, which the next instance writes again";
			default -> "a key of the ledger";
		};
	}

	private static boolean startsWith(byte[] key, byte[] prefix) {
		return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
	}

	/** @return what operators see: the policy read last, whether it risks the ledger, and evictions seen */
	RedisTrackedExpirations.EvictionStatus status() {
		Risk risk = this.risk;
		long evicted = this.evicted.get();
		String problem = null;
		if (evicted > 0 && risk != Risk.SAFE) {
			problem = "Redis evicted " + evicted + " of the tracked-expiration ledger's keys (last '"
					+ this.lastEvicted + "'); expiries were lost";
		}
		String policy = switch (risk) {
			case UNKNOWN -> "not read yet";
			case UNREADABLE -> "unreadable: " + this.unreadable;
			default -> describe();
		};
		return new RedisTrackedExpirations.EvictionStatus(policy, risk == Risk.EVICTS || risk == Risk.NO_LIMIT_YET,
				this.allowEviction, risk == Risk.EVICTS && !this.allowEviction, evicted, problem);
	}

	/** What the policy read last means for the ledger. */
	enum Risk {

		/** Not read yet (Redis unreachable so far). */
		UNKNOWN,

		/** {@code noeviction} or {@code volatile-*} everywhere: nothing of the ledger can be evicted. */
		SAFE,

		/** An {@code allkeys-*} policy with no memory limit: nothing is evicted until one is set. */
		NO_LIMIT_YET,

		/** An {@code allkeys-*} policy with a memory limit: the ledger is evicted once memory is full. */
		EVICTS,

		/** The server refused to tell. */
		UNREADABLE

	}

}
