package io.github.keyspaceevents.tracking;

import java.util.List;

/**
 * The Redis keys of one ledger shard. They share a hash tag, {@code {namespace:index}}, so that every script on a
 * shard runs on one cluster slot.
 */
record Shard(int index, String due, String leased, String entries, String tokens, String seq, String dead,
		String deadIndex, String revoked) {

	static Shard of(String namespace, int index) {
		String tag = "{" + namespace + ":" + index + "}";
		return new Shard(index, tag + ":due", tag + ":leased", tag + ":entries", tag + ":tokens", tag + ":seq",
				tag + ":dead", tag + ":dead-index", tag + ":revoked");
	}

	/** @return the key holding the namespace's own settings (its shard count) */
	static String metaKey(String namespace) {
		return "{" + namespace + "}:meta";
	}

	/** @return the keys every ledger script takes, in the order the scripts expect them */
	List<String> keys() {
		return List.of(this.due, this.leased, this.entries, this.tokens, this.seq, this.dead, this.deadIndex,
				this.revoked);
	}

}
