package io.github.keyspaceevents.tracking;

import java.util.Properties;

import org.jspecify.annotations.Nullable;

/**
 * One Redis server's {@code maxmemory} and {@code maxmemory-policy}, and what they mean for the ledger. Nothing the
 * ledger writes carries a TTL (a tracked write clears the tracked key's), so under a {@code volatile-*} policy none
 * of it can be evicted; under an {@code allkeys-*} policy any of it can, once memory reaches {@code maxmemory}.
 *
 * @param node the server's address, empty for a standalone Redis
 * @param policy the {@code maxmemory-policy}, e.g. {@code noeviction}
 * @param maxmemory the {@code maxmemory} in bytes; 0 for no limit
 */
record MemoryPolicy(String node, String policy, long maxmemory) {

	/**
	 * Read from an {@code INFO memory} reply, which managed services answer where they refuse {@code CONFIG GET}.
	 * @return the policy, or {@code null} if the reply lacks it
	 */
	static @Nullable MemoryPolicy fromInfo(String node, @Nullable Properties info) {
		String policy = (info != null) ? info.getProperty("maxmemory_policy") : null;
		String maxmemory = (info != null) ? info.getProperty("maxmemory") : null;
		if (policy == null || maxmemory == null) {
			return null;
		}
		try {
			return new MemoryPolicy(node, policy.trim(), Long.parseLong(maxmemory.trim()));
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	/** @return whether this server may evict any key, the ledger's and the tracked keys included */
	boolean evictsAnyKey() {
		return this.policy.startsWith("allkeys-");
	}

	/** @return whether this server evicts the ledger's keys once memory is full: an allkeys policy with a limit */
	boolean evictsLedger() {
		return evictsAnyKey() && this.maxmemory > 0;
	}

	/** @return e.g. {@code allkeys-lru with maxmemory 16777216 bytes on 127.0.0.1:7001} */
	String describe() {
		return this.policy + " with maxmemory " + ((this.maxmemory > 0) ? this.maxmemory + " bytes" : "0 (no limit)")
				+ (this.node.isEmpty() ? "" : " on " + this.node);
	}

}
