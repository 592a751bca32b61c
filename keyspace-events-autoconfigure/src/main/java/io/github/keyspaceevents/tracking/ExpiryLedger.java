package io.github.keyspaceevents.tracking;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.keyspaceevents.TrackedExpirations.Expiry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.util.ClassUtils;

/**
 * The ledger's Redis side: one method per transition, each one script (see {@link LedgerScripts}). On a standalone
 * Redis the tracked key is written and deleted inside the same script as its entry. In a cluster it lives in another
 * slot, so it is written after its entry and deleted after its entry ended.
 */
final class ExpiryLedger {

	private static final Log logger = LogFactory.getLog(ExpiryScheduler.class);

	private static final boolean JEDIS_PRESENT = ClassUtils.isPresent("redis.clients.jedis.Jedis",
			ExpiryLedger.class.getClassLoader());

	// How many due entries one claim may look at, matching or not: bounds the script's time on the server.
	private static final int MAX_SCAN = 5_000;

	// Claims per renew or look-up call: Lua's unpack is bounded by its stack.
	static final int MAX_PER_CALL = 1_000;

	// What claiming one entry is reckoned to cost, in µs, Redis' time and the instance's together: a burst of 100,000
	// claimed from 2 s ahead begins within 0.1 to 0.25 s of its due time on 2 cores. The claim script claims as far
	// ahead as what is due would take at this rate plus a tenth of claim-ahead, and no further than claim-ahead: a
	// burst early enough, a steady flow a short lead ahead, so that an instance holds a few thousand claims in memory
	// instead of claim-ahead's worth.
	private static final int CLAIM_MICROS = 20;

	private final StringRedisTemplate redis;

	private final TrackingSettings settings;

	private final boolean cluster;

	private volatile List<Shard> shards = List.of();

	private final DeadLetterStore deadLetters = new DeadLetterStore(this);

	ExpiryLedger(RedisConnectionFactory connectionFactory, TrackingSettings settings) {
		this.redis = new StringRedisTemplate(connectionFactory);
		this.settings = settings;
		this.cluster = isCluster(connectionFactory);
	}

	private static boolean isCluster(RedisConnectionFactory connectionFactory) {
		if (connectionFactory instanceof LettuceConnectionFactory lettuce) {
			return lettuce.isClusterAware();
		}
		return JEDIS_PRESENT && connectionFactory instanceof JedisConnectionFactory jedis
				&& jedis.isRedisClusterAware();
	}

	StringRedisTemplate redis() {
		return this.redis;
	}

	boolean cluster() {
		return this.cluster;
	}

	DeadLetterStore deadLetters() {
		return this.deadLetters;
	}

	TrackingSettings settings() {
		return this.settings;
	}

	/**
	 * Return the namespace's shards. The count is fixed when the namespace is first used and read from Redis, so
	 * that instances configured with another count still see every entry.
	 * @return the shards
	 */
	List<Shard> shards() {
		List<Shard> shards = this.shards;
		if (shards.isEmpty()) {
			Long count = this.redis.execute(LedgerScripts.SHARD_COUNT,
					List.of(Shard.metaKey(this.settings.namespace())), Integer.toString(this.settings.shards()));
			int resolved = (count != null && count > 0) ? count.intValue() : this.settings.shards();
			List<Shard> created = new ArrayList<>(resolved);
			for (int i = 0; i < resolved; i++) {
				created.add(Shard.of(this.settings.namespace(), i));
			}
			shards = List.copyOf(created);
			this.shards = shards;
		}
		return shards;
	}

	/** @return whether the configured shard count differs from the namespace's, once known */
	boolean shardCountDiffers() {
		List<Shard> shards = this.shards;
		return !shards.isEmpty() && shards.size() != this.settings.shards();
	}

	Shard shardOf(String key) {
		List<Shard> shards = shards();
		int hash = Arrays.hashCode(key.getBytes(StandardCharsets.UTF_8));
		return shards.get(Math.floorMod(hash, shards.size()));
	}

	/**
	 * Write the key and its entry; re-writing a tracked key replaces its entry, whatever state it was in.
	 * @return the deadline, by the server's clock (milliseconds)
	 */
	long track(String key, @Nullable String value, @Nullable Instant deadline, @Nullable Duration timeToLive) {
		Shard shard = shardOf(key);
		String stored = (value != null) ? value : "";
		String mode = (deadline != null) ? "at" : "after";
		long millis = (deadline != null) ? deadline.toEpochMilli() : timeToLive.toMillis();
		List<String> keys = this.cluster
				? List.of(shard.due(), shard.leased(), shard.entries(), shard.tokens(), shard.revoked())
				: List.of(shard.due(), shard.leased(), shard.entries(), shard.tokens(), shard.revoked(), key);
		Long dueAt;
		try {
			dueAt = this.redis.execute(LedgerScripts.TRACK, keys, key, mode, Long.toString(millis),
					(value != null) ? "1" : "0", stored);
		}
		catch (DataAccessException ex) {
			throw outOfMemoryOr(ex, "key '" + key + "'");
		}
		if (this.cluster) {
			// Entry first: should this write fail, the expiry is still handled at its deadline.
			try {
				this.redis.opsForValue().set(key, stored);
			}
			catch (DataAccessException ex) {
				throw withdrawn(List.of(key), ex);
			}
		}
		return (dueAt != null) ? dueAt : 0;
	}

	/**
	 * Write many keys and their entries: one call per thousand keys (standalone), or per shard and thousand keys
	 * (cluster, where the tracked keys are written after their entries, as by {@link #track}).
	 * @return the server's time at the last call
	 */
	long trackAll(List<Expiry> expiries) {
		List<List<Expiry>> calls = new ArrayList<>();
		if (this.cluster) {
			Map<Shard, List<Expiry>> byShard = new LinkedHashMap<>();
			for (Expiry expiry : expiries) {
				byShard.computeIfAbsent(shardOf(expiry.key()), (shard) -> new ArrayList<>()).add(expiry);
			}
			byShard.values().forEach((ofShard) -> calls.addAll(chunks(ofShard)));
		}
		else {
			calls.addAll(chunks(expiries));
		}
		long serverMillis = 0;
		for (List<Expiry> call : calls) {
			List<Shard> shards = new ArrayList<>();
			List<String> args = new ArrayList<>(1 + 5 * call.size());
			args.add("");
			for (Expiry expiry : call) {
				Shard shard = shardOf(expiry.key());
				int group = shards.indexOf(shard);
				if (group < 0) {
					shards.add(shard);
					group = shards.size() - 1;
				}
				args.add(Integer.toString(group + 1));
				args.add(expiry.key());
				args.add(Long.toString(expiry.deadline().toEpochMilli()));
				args.add((expiry.value() != null) ? "1" : "0");
				args.add((expiry.value() != null) ? expiry.value() : "");
			}
			args.set(0, Integer.toString(shards.size()));
			List<String> keys = new ArrayList<>(8 * shards.size() + call.size());
			shards.forEach((shard) -> keys.addAll(shard.keys()));
			if (!this.cluster) {
				call.forEach((expiry) -> keys.add(expiry.key()));
			}
			try {
				serverMillis = Long.parseLong(this.redis.execute(LedgerScripts.TRACK_MANY, keys, args.toArray()));
			}
			catch (DataAccessException ex) {
				throw outOfMemoryOr(ex, keysNamed(call.stream().map(Expiry::key).toList()));
			}
			if (this.cluster) {
				Map<String, String> values = new LinkedHashMap<>();
				call.forEach((expiry) -> values.put(expiry.key(), (expiry.value() != null) ? expiry.value() : ""));
				try {
					this.redis.opsForValue().multiSet(values);
				}
				catch (DataAccessException ex) {
					throw withdrawn(List.copyOf(values.keySet()), ex);
				}
			}
		}
		return serverMillis;
	}

	// A ledger script fails as a whole at its first write under a full noeviction Redis: nothing of it was written.
	private static DataAccessException outOfMemoryOr(DataAccessException ex, String what) {
		if (!isOutOfMemory(ex)) {
			return ex;
		}
		return new DataAccessResourceFailureException(("Tracked %s not written: Redis is out of memory (used "
				+ "memory above maxmemory, under a policy that evicts nothing it could); nothing of the write was "
				+ "kept. Free memory or raise maxmemory, then write again.").formatted(what), ex);
	}

	private static boolean isOutOfMemory(DataAccessException ex) {
		// Redis 7 answers "OOM command not allowed…"; 6.2 wraps it in "ERR Error running script…".
		String message = NestedExceptionUtils.getMostSpecificCause(ex).getMessage();
		return message != null && message.contains("OOM command not allowed");
	}

	// In a cluster the tracked key is written after its entry: if that fails, the entries go too, so that no expiry
	// is left whose key was never written.
	private DataAccessException withdrawn(List<String> keys, DataAccessException ex) {
		try {
			keys.forEach(this::cancel);
		}
		catch (DataAccessException again) {
			ex.addSuppressed(again);
			return ex;
		}
		return outOfMemoryOr(ex, keysNamed(keys));
	}

	private static String keysNamed(List<String> keys) {
		return (keys.size() == 1) ? "key '" + keys.get(0) + "'"
				: "keys '" + keys.get(0) + "' and " + (keys.size() - 1) + " more";
	}

	private static <T> List<List<T>> chunks(List<T> list) {
		List<List<T>> chunks = new ArrayList<>();
		for (int from = 0; from < list.size(); from += MAX_PER_CALL) {
			chunks.add(list.subList(from, Math.min(list.size(), from + MAX_PER_CALL)));
		}
		return chunks;
	}

	/** @return 1 if it was scheduled, 0 if an attempt was running, -1 if it was not tracked */
	long cancel(String key) {
		Shard shard = shardOf(key);
		Long result = this.redis.execute(LedgerScripts.CANCEL, withKey(key, shard), key);
		if (this.cluster) {
			this.redis.delete(key);
		}
		return (result != null) ? result : -1;
	}

	ClaimRound claim(Shard shard, int limit, int offset, List<String> patterns) {
		List<String> args = new ArrayList<>(8 + patterns.size());
		args.add(Long.toString(this.settings.lease().toMillis()));
		args.add(Integer.toString(limit));
		args.add(Integer.toString(offset));
		args.add(Integer.toString(MAX_SCAN));
		args.add(Integer.toString(this.settings.maxAttempts()));
		args.add(this.cluster ? "0" : "1");
		args.add(Long.toString(this.settings.claimAhead().toMillis()));
		// One thread claims on every shard in turn, and keys spread evenly over shards: each entry of this shard
		// stands for one on every shard.
		args.add(Integer.toString(CLAIM_MICROS * shards().size()));
		args.addAll(patterns);
		List<?> reply = this.redis.execute(LedgerScripts.CLAIM, shard.keys(), args.toArray());
		int buriedCount = Integer.parseInt((String) reply.get(7));
		List<String> buried = new ArrayList<>(buriedCount);
		for (int i = 0; i < buriedCount; i++) {
			buried.add((String) reply.get(8 + i));
		}
		long serverMillis = Long.parseLong((String) reply.get(0));
		long leaseEnd = serverMillis + this.settings.lease().toMillis();
		List<Claim> claims = new ArrayList<>();
		for (int i = 8 + buriedCount; i + 2 < reply.size(); i += 3) {
			// The entry as stored, deadline:attempts:payload, decoded here rather than in the script; by position, as
			// a burst decodes thousands of them.
			String entry = (String) reply.get(i + 2);
			int afterDeadline = entry.indexOf(':', 1);
			int afterAttempts = entry.indexOf(':', afterDeadline + 1);
			if (entry.startsWith("g", afterAttempts + 1)) {
				logger.warn(("Tracked key '%s' was gone from Redis when its expiry was claimed (evicted, or deleted "
						+ "other than by TrackedExpirations.cancel): it is handled without its value")
					.formatted(reply.get(i)));
			}
			claims.add(new Claim(shard, (String) reply.get(i), valueOf(entry, afterAttempts + 1),
					Instant.ofEpochMilli(Long.parseLong(entry, 0, afterDeadline, 10)),
					Integer.parseInt(entry, afterDeadline + 1, afterAttempts, 10), (String) reply.get(i + 1),
					leaseEnd));
		}
		if (this.cluster && !buried.isEmpty()) {
			this.redis.unlink(buried);
		}
		return new ClaimRound(serverMillis, claims, millisOrNull(reply.get(1)),
				millisOrNull(reply.get(2)), Integer.parseInt((String) reply.get(3)), "1".equals(reply.get(4)),
				Integer.parseInt((String) reply.get(5)), buried, Long.parseLong((String) reply.get(6)));
	}

	/** @return the tokens among {@code held} that are no longer current */
	@SuppressWarnings("unchecked")
	List<String> renew(Shard shard, List<Claim> held) {
		List<String> lost = new ArrayList<>();
		for (int from = 0; from < held.size(); from += MAX_PER_CALL) {
			List<String> args = new ArrayList<>(1 + 2 * MAX_PER_CALL);
			args.add(Long.toString(this.settings.lease().toMillis()));
			for (Claim claim : held.subList(from, Math.min(held.size(), from + MAX_PER_CALL))) {
				args.add(claim.key());
				args.add(claim.token());
			}
			lost.addAll((List<String>) this.redis.execute(HolderScripts.RENEW, shard.keys(), args.toArray()));
		}
		return lost;
	}

	/**
	 * Ask whether claims made ahead of their due time may begin now (see {@link ClaimStart}).
	 * @return the server's time and, unless that is still before a claim's due time, whether each claim still holds,
	 * in the order given
	 */
	Begin begin(List<Claim> claims) {
		return new ClaimStart(this.redis, this.cluster, shards(), this.settings.lease()).begin(claims);
	}

	/**
	 * Record outcomes of one shard.
	 * @return one code per outcome: {@code done}, {@code retry}, {@code dead}, {@code released} or {@code stale}
	 */
	@SuppressWarnings("unchecked")
	List<String> settle(Shard shard, List<Outcome> outcomes) {
		List<String> args = new ArrayList<>(2 + 5 * outcomes.size());
		args.add(Integer.toString(this.settings.maxAttempts()));
		args.add(this.cluster ? "0" : "1");
		for (Outcome outcome : outcomes) {
			args.add(outcome.kind().code);
			args.add(outcome.claim().key());
			args.add(outcome.claim().token());
			args.add(Long.toString(outcome.backoffMillis()));
			args.add(outcome.error());
		}
		List<String> codes = (List<String>) this.redis.execute(LedgerScripts.SETTLE, shard.keys(), args.toArray());
		if (this.cluster) {
			List<String> ended = new ArrayList<>();
			for (int i = 0; i < codes.size(); i++) {
				if ("done".equals(codes.get(i)) || "dead".equals(codes.get(i))) {
					ended.add(outcomes.get(i).claim().key());
				}
			}
			if (!ended.isEmpty()) {
				this.redis.unlink(ended);
			}
		}
		return codes;
	}

	/** @return whether the key's entry is now due; false if there is none or its attempt may be running */
	boolean expireNow(String key) {
		Long result = this.redis.execute(LedgerScripts.EXPIRE_NOW, shardOf(key).keys(), key);
		return result != null && result == 1;
	}

	/**
	 * Count the entries due by a time that have not ended.
	 * @param byMillis the time (server milliseconds), or {@code null} for the server's now
	 * @return the count, and the time counted up to
	 */
	RedisTrackedExpirations.Pending pending(@Nullable Long byMillis) {
		long count = 0;
		Long by = byMillis;
		for (Shard shard : shards()) {
			List<?> reply = this.redis.execute(LedgerScripts.PENDING, shard.keys(), (by != null) ? ms(by) : "");
			count += (Long) reply.get(0);
			if (by == null) {
				by = (Long) reply.get(1);
			}
		}
		return new RedisTrackedExpirations.Pending(count, Instant.ofEpochMilli((by != null) ? by : 0));
	}

	private static String ms(long millis) {
		return Long.toString(millis);
	}

	RedisTrackedExpirations.Backlog backlog() {
		long overdue = 0;
		long scheduled = 0;
		long leased = 0;
		long dead = 0;
		for (Shard shard : shards()) {
			List<?> counts = this.redis.execute(LedgerScripts.BACKLOG, shard.keys());
			overdue += (Long) counts.get(0);
			scheduled += (Long) counts.get(1);
			leased += (Long) counts.get(2);
			dead += (Long) counts.get(3);
		}
		return new RedisTrackedExpirations.Backlog(overdue, scheduled, leased, dead);
	}

	// The script's KEYS: the shard's keys, plus the tracked key itself where it can share the script (standalone).
	List<String> withKey(String key, Shard shard) {
		List<String> keys = new ArrayList<>(shard.keys());
		if (!this.cluster) {
			keys.add(key);
		}
		return keys;
	}

	static @Nullable String valueOf(String payload) {
		return valueOf(payload, 0);
	}

	// The payload starting at from: 'v' and the value, or a mark for none.
	private static @Nullable String valueOf(String text, int from) {
		return text.startsWith("v", from) ? text.substring(from + 1) : null;
	}

	private static @Nullable Long millisOrNull(Object reply) {
		String text = (String) reply;
		return text.isEmpty() ? null : (long) Double.parseDouble(text);
	}

	/**
	 * The ledger's answer to {@link #begin}.
	 *
	 * @param serverMillis the server's time
	 * @param current per claim, whether it still holds; {@code null} if the due time has not come by the server's
	 * clock
	 * @param renewedAtMillis per claim, the server time at which the check renewed its lease (a claim it had to look
	 * up), else {@code Long.MIN_VALUE}
	 */
	record Begin(long serverMillis, @Nullable List<Boolean> current, long[] renewedAtMillis) {
	}

}
