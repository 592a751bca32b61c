package io.github.keyspaceevents.tracking;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import io.github.keyspaceevents.TrackedExpirations.DeadLetter;

/**
 * The ledger's dead letters: expiries whose handlers failed {@code max-attempts} times, kept per shard until retried,
 * deleted or purged (each one script, see {@link DeadLetterScripts}).
 */
final class DeadLetterStore {

	private final ExpiryLedger ledger;

	DeadLetterStore(ExpiryLedger ledger) {
		this.ledger = ledger;
	}

	/** @return 1 if scheduled again, 0 if a live entry of the key exists, -1 if there is no such dead letter */
	int retry(String key) {
		Shard shard = this.ledger.shardOf(key);
		List<?> reply = this.ledger.redis()
			.execute(DeadLetterScripts.RETRY_DEAD, this.ledger.withKey(key, shard), key);
		int result = Integer.parseInt((String) reply.get(0));
		if (result == 1 && this.ledger.cluster()) {
			String value = ExpiryLedger.valueOf((String) reply.get(1));
			this.ledger.redis().opsForValue().set(key, (value != null) ? value : "");
		}
		return result;
	}

	boolean delete(String key) {
		Shard shard = this.ledger.shardOf(key);
		Long deleted = this.ledger.redis().execute(DeadLetterScripts.DELETE_DEAD, shard.keys(), "", key);
		return deleted != null && deleted > 0;
	}

	/** @return how many dead letters buried longer than {@code age} ago were deleted */
	long purge(Duration age) {
		long total = 0;
		for (Shard shard : this.ledger.shards()) {
			long deleted;
			do {
				Long result = this.ledger.redis().execute(DeadLetterScripts.DELETE_DEAD, shard.keys(),
						Long.toString(Math.max(0, age.toMillis())));
				deleted = (result != null) ? result : 0;
				total += deleted;
			}
			while (deleted >= 1000);
		}
		return total;
	}

	List<DeadLetter> list(int offset, int limit) {
		List<DeadLetter> all = new ArrayList<>();
		for (Shard shard : this.ledger.shards()) {
			List<?> reply = this.ledger.redis()
				.execute(DeadLetterScripts.LIST_DEAD, shard.keys(), Integer.toString(offset + limit));
			for (int i = 0; i + 1 < reply.size(); i += 2) {
				all.add(decode((String) reply.get(i), (String) reply.get(i + 1)));
			}
		}
		all.sort(Comparator.comparing(DeadLetter::failedAt).thenComparing(DeadLetter::key));
		return all.subList(Math.min(offset, all.size()), Math.min(offset + limit, all.size()));
	}

	static DeadLetter decode(String key, String encoded) {
		int lineBreak = encoded.indexOf('\n');
		String[] head = encoded.substring(0, lineBreak).split(":", 4);
		return new DeadLetter(key, ExpiryLedger.valueOf(encoded.substring(lineBreak + 1)), Integer.parseInt(head[1]),
				head[3], Instant.ofEpochMilli(Long.parseLong(head[2])), Instant.ofEpochMilli(Long.parseLong(head[0])));
	}

}
