package io.github.keyspaceevents.tracking;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The begin transition seen from the claims' holder: whether claims made ahead of their due time may begin, asked at
 * that time. One round trip on a standalone Redis, one per shard in a cluster (whose shards live in different slots),
 * however many claims: the answer is the server's time and the tokens cancels and re-writes took
 * ({@link HolderScripts#BEGIN}); claims whose lease may have ended by then are looked up one by one
 * ({@link HolderScripts#HELD}).
 */
final class ClaimStart {

	private final StringRedisTemplate redis;

	private final boolean cluster;

	private final List<Shard> shards;

	private final String leaseMillis;

	ClaimStart(StringRedisTemplate redis, boolean cluster, List<Shard> shards, Duration lease) {
		this.redis = redis;
		this.cluster = cluster;
		this.shards = shards;
		this.leaseMillis = Long.toString(lease.toMillis());
	}

	ExpiryLedger.Begin begin(List<Claim> claims) {
		// A burst is a hundred thousand claims or more: plain loops over the shards' indexes, no per-claim grouping.
		List<Shard> shards = this.shards;
		boolean[] involved = new boolean[shards.size()];
		long startAt = Long.MIN_VALUE;
		for (Claim claim : claims) {
			involved[claim.shard().index()] = true;
			startAt = Math.max(startAt, claim.startAtMillis());
		}
		List<Shard> asked = new ArrayList<>();
		for (int i = 0; i < involved.length; i++) {
			if (involved[i]) {
				asked.add(shards.get(i));
			}
		}
		long[] serverMillisByShard = new long[shards.size()];
		List<Set<Object>> revokedByShard = new ArrayList<>(Collections.nCopies(shards.size(), Set.of()));
		long serverMillis = 0;
		for (List<Shard> call : calls(asked)) {
			List<?> reply = this.redis.execute(HolderScripts.BEGIN, call.stream().map(Shard::revoked).toList(),
					Long.toString(startAt));
			serverMillis = Long.parseLong((String) reply.get(0));
			if ("wait".equals(reply.get(1))) {
				// Read only: whatever other shards answered is simply asked again.
				return new ExpiryLedger.Begin(serverMillis, null, new long[0]);
			}
			int r = 1;
			for (Shard shard : call) {
				int count = Integer.parseInt((String) reply.get(r));
				if (count > 0) {
					revokedByShard.set(shard.index(), new HashSet<>(reply.subList(r + 1, r + 1 + count)));
				}
				serverMillisByShard[shard.index()] = serverMillis;
				r += 1 + count;
			}
		}
		Boolean[] current = new Boolean[claims.size()];
		List<Integer> unsure = new ArrayList<>();
		for (int i = 0; i < current.length; i++) {
			Claim claim = claims.get(i);
			int shard = claim.shard().index();
			if (revokedByShard.get(shard).contains(claim.token())) {
				current[i] = Boolean.FALSE;
			}
			else if (claim.leaseEndMillis() > serverMillisByShard[shard]) {
				current[i] = Boolean.TRUE;
			}
			else {
				unsure.add(i);
			}
		}
		long[] renewedAt = new long[claims.size()];
		Arrays.fill(renewedAt, Long.MIN_VALUE);
		for (int from = 0; from < unsure.size(); from += ExpiryLedger.MAX_PER_CALL) {
			List<Integer> chunk = unsure.subList(from, Math.min(unsure.size(), from + ExpiryLedger.MAX_PER_CALL));
			long[] held = held(chunk.stream().map(claims::get).toList());
			for (int i = 0; i < chunk.size(); i++) {
				current[chunk.get(i)] = held[i] != Long.MIN_VALUE;
				renewedAt[chunk.get(i)] = held[i];
			}
		}
		return new ExpiryLedger.Begin(serverMillis, Arrays.asList(current), renewedAt);
	}

	// Per claim, the server time at which the look-up renewed its lease, if its token is still its entry's;
	// Long.MIN_VALUE if not.
	private long[] held(List<Claim> claims) {
		Map<Shard, List<Integer>> byShard = byShard(claims);
		long[] held = new long[claims.size()];
		for (List<Shard> call : calls(List.copyOf(byShard.keySet()))) {
			List<String> args = new ArrayList<>(1 + call.size() + 2 * claims.size());
			List<String> keys = new ArrayList<>(2 * call.size());
			args.add(this.leaseMillis);
			for (Shard shard : call) {
				keys.add(shard.tokens());
				keys.add(shard.leased());
				args.add(Integer.toString(byShard.get(shard).size()));
				for (int index : byShard.get(shard)) {
					args.add(claims.get(index).key());
					args.add(claims.get(index).token());
				}
			}
			List<?> reply = this.redis.execute(HolderScripts.HELD, keys, args.toArray());
			long renewedAt = Long.parseLong((String) reply.get(0));
			int r = 1;
			for (Shard shard : call) {
				for (int index : byShard.get(shard)) {
					held[index] = "1".equals(reply.get(r++)) ? renewedAt : Long.MIN_VALUE;
				}
			}
		}
		return held;
	}

	private static Map<Shard, List<Integer>> byShard(List<Claim> claims) {
		Map<Shard, List<Integer>> byShard = new LinkedHashMap<>();
		for (int i = 0; i < claims.size(); i++) {
			byShard.computeIfAbsent(claims.get(i).shard(), (shard) -> new ArrayList<>()).add(i);
		}
		return byShard;
	}

	// Shards whose keys one script call may take: all of them on a standalone Redis, one in a cluster.
	private List<List<Shard>> calls(List<Shard> shards) {
		return this.cluster ? shards.stream().map(List::of).toList() : List.of(shards);
	}

}
