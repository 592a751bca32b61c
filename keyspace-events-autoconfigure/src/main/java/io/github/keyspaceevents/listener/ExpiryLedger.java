package io.github.keyspaceevents.listener;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.github.keyspaceevents.TrackedExpirations;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * The deadlines of tracked keys, kept in Redis. The ledger is split into shards; each shard's keys share one hash tag
 * ({@code {keyspace-events:3}:due}, {@code …:leased}, {@code …:values}, …) so that the scripts on a shard run on one
 * cluster slot. A key's shard is fixed by its name.
 * <p>
 * Every transition is one Lua script, so it is atomic: write (key and entry together), claim (due → leased, by exactly
 * one caller), complete, fail (back to due with a later score, or to the dead letter) and cancel. An entry whose lease
 * ran out (its instance died) is given back by the next claim.
 * <p>
 * The ledger, not Redis' own expiry, decides when a tracked key is due. The key itself is written to live a retention
 * period past its deadline (as Spring Session keeps its data key longer than its expiry key) and is deleted once its
 * expiry has been handled, so Redis never publishes {@code expired} for it while an application runs: plain
 * {@code expired} events need no ledger look-up to tell tracked keys apart, and nothing is handled twice.
 */
public final class ExpiryLedger implements TrackedExpirations {

	// The tracked key is the last of KEYS on a standalone Redis, written in the same step. In a cluster it lives in
	// another slot than the shard, so it is left out and written apart.
	private static final RedisScript<Long> TRACK = RedisScript.of("""
			-- KEYS: due, values, deadlines, attempts, leased[, key]   ARGV: key, deadline, keyExpiry, hasValue, value
			if KEYS[6] then redis.call('SET', KEYS[6], ARGV[5], 'PXAT', ARGV[3]) end
			redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
			redis.call('ZREM', KEYS[5], ARGV[1])
			if ARGV[4] == '1' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[5]) else redis.call('HDEL', KEYS[2], ARGV[1]) end
			redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
			redis.call('HDEL', KEYS[4], ARGV[1])
			return 1
			""", Long.class);

	private static final RedisScript<Long> CANCEL = RedisScript.of("""
			-- KEYS: due, values, deadlines, attempts[, key]   ARGV: key
			if KEYS[5] then redis.call('DEL', KEYS[5]) end
			local removed = redis.call('ZREM', KEYS[1], ARGV[1])
			if removed == 1 then
				redis.call('HDEL', KEYS[2], ARGV[1])
				redis.call('HDEL', KEYS[3], ARGV[1])
				redis.call('HDEL', KEYS[4], ARGV[1])
			end
			return removed
			""", Long.class);

	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> CLAIM_DUE = RedisScript.of("""
			-- KEYS: due, leased, values, deadlines, attempts, dead
			-- ARGV: now, leaseUntil, limit, maxAttempts
			-- Leases that ran out: the instance died or the handler overran. Count it as a failed attempt.
			local lapsed = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
			for _, k in ipairs(lapsed) do
				redis.call('ZREM', KEYS[2], k)
				local attempts = redis.call('HINCRBY', KEYS[5], k, 1)
				if attempts >= tonumber(ARGV[4]) then
					local value = redis.call('HGET', KEYS[3], k)
					redis.call('HSET', KEYS[6], k, attempts .. '\\n' .. ARGV[1] .. '\\nlease expired while handling\\n'
						.. (value and ('v' .. value) or '-'))
					redis.call('HDEL', KEYS[3], k)
					redis.call('HDEL', KEYS[4], k)
					redis.call('HDEL', KEYS[5], k)
				else
					redis.call('ZADD', KEYS[1], ARGV[1], k)
				end
			end
			local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
			local claimed = {}
			for _, k in ipairs(due) do
				redis.call('ZREM', KEYS[1], k)
				redis.call('ZADD', KEYS[2], ARGV[2], k)
				table.insert(claimed, k)
				table.insert(claimed, redis.call('HGET', KEYS[3], k) or false)
				table.insert(claimed, redis.call('HGET', KEYS[4], k) or '0')
				table.insert(claimed, redis.call('HGET', KEYS[5], k) or '0')
			end
			-- When to look again: the next deadline or lease end.
			local nextDue = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
			local nextLease = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2]
			table.insert(claimed, 1, nextDue or false)
			table.insert(claimed, 2, nextLease or false)
			return claimed
			""", List.class);



	private static final RedisScript<Long> COMPLETE_MANY = RedisScript.of("""
			-- KEYS: leased, values, deadlines, attempts   ARGV: key...
			local completed = 0
			for _, k in ipairs(ARGV) do
				if redis.call('ZREM', KEYS[1], k) == 1 then
					redis.call('HDEL', KEYS[2], k)
					redis.call('HDEL', KEYS[3], k)
					redis.call('HDEL', KEYS[4], k)
					completed = completed + 1
				end
			end
			return completed
			""", Long.class);

	private static final RedisScript<Long> FAIL = RedisScript.of("""
			-- KEYS: leased, due, values, deadlines, attempts, dead
			-- ARGV: key, retryAt, maxAttempts, now, error
			if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return -1 end
			local attempts = redis.call('HINCRBY', KEYS[5], ARGV[1], 1)
			if attempts >= tonumber(ARGV[3]) then
				local value = redis.call('HGET', KEYS[3], ARGV[1])
				redis.call('HSET', KEYS[6], ARGV[1], attempts .. '\\n' .. ARGV[4] .. '\\n' .. ARGV[5] .. '\\n'
					.. (value and ('v' .. value) or '-'))
				redis.call('HDEL', KEYS[3], ARGV[1])
				redis.call('HDEL', KEYS[4], ARGV[1])
				redis.call('HDEL', KEYS[5], ARGV[1])
				return 0
			end
			redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
			return attempts
			""", Long.class);

	private final StringRedisTemplate redis;

	private final Settings settings;

	private final boolean cluster;

	private final List<Consumer<Instant>> trackListeners = new CopyOnWriteArrayList<>();

	/**
	 * Create a ledger.
	 * @param connectionFactory where the ledger lives
	 * @param settings sharding, leases and retries
	 */
	public ExpiryLedger(RedisConnectionFactory connectionFactory, Settings settings) {
		this.redis = new StringRedisTemplate(connectionFactory);
		this.settings = settings;
		this.cluster = connectionFactory instanceof LettuceConnectionFactory lettuce && lettuce.isClusterAware();
	}

	@Override
	public void expireAt(String key, @Nullable String value, Instant deadline) {
		Shard shard = shardOf(key);
		long keyExpiry = deadline.plus(this.settings.keyRetention()).toEpochMilli();
		String stored = (value != null) ? value : "";
		// In a cluster: entry first, so that should writing the key fail, the expiry is still handled at its deadline.
		this.redis.execute(TRACK, withKey(key, shard.due, shard.values, shard.deadlines, shard.attempts, shard.leased),
				key, Long.toString(deadline.toEpochMilli()), Long.toString(keyExpiry), (value != null) ? "1" : "0",
				stored);
		if (this.cluster) {
			this.redis.opsForValue().set(key, stored);
			this.redis.expireAt(key, Instant.ofEpochMilli(keyExpiry));
		}
		this.trackListeners.forEach((listener) -> listener.accept(deadline));
	}

	@Override
	public boolean cancel(String key) {
		Shard shard = shardOf(key);
		// In a cluster: entry first, so that should deleting the key fail, the expiry is still not handled.
		Long removed = this.redis.execute(CANCEL,
				withKey(key, shard.due, shard.values, shard.deadlines, shard.attempts), key);
		if (this.cluster) {
			this.redis.delete(key);
		}
		return removed != null && removed == 1;
	}

	// The script's KEYS: the shard's keys, plus the tracked key itself where it can share the script (standalone).
	private List<String> withKey(String key, String... shardKeys) {
		List<String> keys = new ArrayList<>(List.of(shardKeys));
		if (!this.cluster) {
			keys.add(key);
		}
		return keys;
	}

	@Override
	public List<DeadLetter> deadLetters() {
		List<DeadLetter> deadLetters = new ArrayList<>();
		for (Shard shard : shards()) {
			Map<Object, Object> entries = this.redis.opsForHash().entries(shard.dead);
			entries.forEach((key, encoded) -> deadLetters.add(decodeDeadLetter((String) key, (String) encoded)));
		}
		deadLetters.sort(Comparator.comparing(DeadLetter::failedAt));
		return deadLetters;
	}

	/**
	 * Count the ledger's entries, for health checks.
	 * @param now what counts as overdue
	 * @return the counts over all shards
	 */
	public Backlog backlog(Instant now) {
		long overdue = 0;
		long scheduled = 0;
		long leased = 0;
		long deadLetters = 0;
		for (Shard shard : shards()) {
			overdue += orZero(this.redis.opsForZSet().count(shard.due, Double.NEGATIVE_INFINITY, now.toEpochMilli()));
			scheduled += orZero(this.redis.opsForZSet().zCard(shard.due));
			leased += orZero(this.redis.opsForZSet().zCard(shard.leased));
			deadLetters += orZero(this.redis.opsForHash().size(shard.dead));
		}
		return new Backlog(overdue, scheduled, leased, deadLetters);
	}

	private static long orZero(@Nullable Long value) {
		return (value != null) ? value : 0;
	}

	void onTrack(Consumer<Instant> listener) {
		this.trackListeners.add(listener);
	}

	Settings settings() {
		return this.settings;
	}

	List<Shard> shards() {
		List<Shard> shards = new ArrayList<>(this.settings.shards());
		for (int i = 0; i < this.settings.shards(); i++) {
			shards.add(new Shard(this.settings.prefix(), i));
		}
		return shards;
	}

	/**
	 * Claim due entries of a shard, giving back lapsed leases first.
	 * @param shard the shard
	 * @param now what counts as due
	 * @param limit the most entries to claim
	 * @return what was claimed and when to look again
	 */
	Claims claimDue(Shard shard, Instant now, int limit) {
		List<?> reply = this.redis.execute(CLAIM_DUE,
				List.of(shard.due, shard.leased, shard.values, shard.deadlines, shard.attempts, shard.dead),
				Long.toString(now.toEpochMilli()), Long.toString(now.plus(this.settings.lease()).toEpochMilli()),
				Integer.toString(limit), Integer.toString(this.settings.maxAttempts()));
		List<Entry> entries = new ArrayList<>();
		for (int i = 2; i + 3 < reply.size(); i += 4) {
			entries.add(new Entry((String) reply.get(i), (String) reply.get(i + 1), millis(reply.get(i + 2)),
					Integer.parseInt((String) reply.get(i + 3))));
		}
		return new Claims(entries, score(reply.get(0)), score(reply.get(1)));
	}

	/** Record success: the entry and the key are gone. */
	void complete(String key) {
		completeAll(shardOf(key), List.of(key));
	}

	/**
	 * Record the success of several entries of one shard in one round trip.
	 * @param shard the shard all keys belong to
	 * @param keys the keys
	 */
	void completeAll(Shard shard, List<String> keys) {
		this.redis.execute(COMPLETE_MANY, List.of(shard.leased, shard.values, shard.deadlines, shard.attempts),
				keys.toArray());
		// The keys live in slots of their own: deleted apart from the ledger's script. Redis publishes 'del'.
		this.redis.unlink(keys);
	}

	/**
	 * Record a failure: back to due after a backoff, or to the dead letter after the last attempt.
	 * @return the attempts so far, 0 if dead-lettered, -1 if the entry was no longer leased (cancelled or reclaimed)
	 */
	long fail(String key, int attemptsBefore, Throwable error, Instant now) {
		Shard shard = shardOf(key);
		long backoff = Math.min(this.settings.maxRetryBackoff().toMillis(),
				this.settings.retryBackoff().toMillis() << Math.min(attemptsBefore, 20));
		String message = String.valueOf(error.getClass().getName() + ": " + error.getMessage()).replace('\n', ' ');
		Long result = this.redis.execute(FAIL,
				List.of(shard.leased, shard.due, shard.values, shard.deadlines, shard.attempts, shard.dead), key,
				Long.toString(now.toEpochMilli() + backoff), Integer.toString(this.settings.maxAttempts()),
				Long.toString(now.toEpochMilli()), message);
		return (result != null) ? result : -1;
	}

	Shard shardOf(String key) {
		int hash = Arrays.hashCode(key.getBytes(StandardCharsets.UTF_8));
		return new Shard(this.settings.prefix(), Math.floorMod(hash, this.settings.shards()));
	}

	private static DeadLetter decodeDeadLetter(String key, String encoded) {
		String[] parts = encoded.split("\n", 4);
		String value = parts[3].startsWith("v") ? parts[3].substring(1) : null;
		return new DeadLetter(key, value, Integer.parseInt(parts[0]), parts[2],
				Instant.ofEpochMilli(Long.parseLong(parts[1])));
	}

	private static @Nullable Instant millis(@Nullable Object value) {
		return (value != null) ? Instant.ofEpochMilli(Long.parseLong((String) value)) : null;
	}

	private static @Nullable Instant score(@Nullable Object value) {
		return (value != null) ? Instant.ofEpochMilli((long) Double.parseDouble((String) value)) : null;
	}

	/**
	 * How many entries the ledger holds.
	 * @param overdue entries past their deadline and not claimed yet (a backlog)
	 * @param scheduled entries waiting for their deadline or a retry, overdue ones included
	 * @param leased entries being handled
	 * @param deadLetters entries given up after their last attempt
	 */
	public record Backlog(long overdue, long scheduled, long leased, long deadLetters) {
	}

	/**
	 * A claimed ledger entry.
	 * @param key the tracked key
	 * @param value its value, if written with one
	 * @param deadline its deadline
	 * @param attempts failed attempts before this one
	 */
	record Entry(String key, @Nullable String value, @Nullable Instant deadline, int attempts) {
	}

	/**
	 * The result of claiming a shard.
	 * @param entries what was claimed
	 * @param nextDue the next deadline still in the shard
	 * @param nextLeaseEnd the next lease to run out
	 */
	record Claims(List<Entry> entries, @Nullable Instant nextDue, @Nullable Instant nextLeaseEnd) {
	}

	/** The Redis keys of one shard; they share a hash tag, hence a cluster slot. */
	static final class Shard {

		final String due;

		final String leased;

		final String values;

		final String deadlines;

		final String attempts;

		final String dead;

		private final String tag;

		Shard(String prefix, int index) {
			// The braces make it a hash tag: every key of the shard lives in the same cluster slot.
			this.tag = "{" + prefix + ":" + index + "}";
			this.due = this.tag + ":due";
			this.leased = this.tag + ":leased";
			this.values = this.tag + ":values";
			this.deadlines = this.tag + ":deadlines";
			this.attempts = this.tag + ":attempts";
			this.dead = this.tag + ":dead";
		}

		@Override
		public boolean equals(@Nullable Object other) {
			return this == other || (other instanceof Shard that && this.tag.equals(that.tag));
		}

		@Override
		public int hashCode() {
			return this.tag.hashCode();
		}

	}

	/**
	 * Ledger settings.
	 * @param prefix prefix of the ledger's Redis keys
	 * @param shards number of shards
	 * @param lease how long a claim holds an entry before another instance may take it
	 * @param maxAttempts attempts before an entry goes to the dead letter
	 * @param retryBackoff delay before the first retry; doubled for each further one
	 * @param maxRetryBackoff longest delay between retries
	 * @param batchSize entries claimed per shard and round
	 * @param idlePoll longest pause between two looks at the ledger
	 * @param keyRetention how long a tracked key outlives its deadline in Redis when no instance claims it
	 */
	public record Settings(String prefix, int shards, Duration lease, int maxAttempts, Duration retryBackoff,
			Duration maxRetryBackoff, int batchSize, Duration idlePoll, Duration keyRetention) {
	}

}
