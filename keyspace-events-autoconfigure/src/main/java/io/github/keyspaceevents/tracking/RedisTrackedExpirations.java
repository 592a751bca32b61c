package io.github.keyspaceevents.tracking;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.TrackedValueCodec;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * {@link TrackedExpirations} kept in a ledger in Redis. The ledger's states and transitions are described in this
 * package's documentation; {@link ExpiryScheduler} claims and handles the entries.
 */
public final class RedisTrackedExpirations implements TrackedExpirations, DisposableBean {

	private static final Log logger = LogFactory.getLog(RedisTrackedExpirations.class);

	// Sorted-set scores are doubles: beyond 2^53 milliseconds a deadline could not be stored exactly.
	private static final long MAX_MILLIS = (1L << 53) - 1;

	private static final Instant LATEST = Instant.ofEpochMilli(MAX_MILLIS);

	private static final Duration LONGEST = Duration.ofDays(365L * 1000);

	private final ExpiryLedger ledger;

	private final List<LongConsumer> trackListeners = new CopyOnWriteArrayList<>();

	private final AsyncWrites asyncWrites = new AsyncWrites(this::writeAll);

	private final TrackedValueCodec valueCodec;

	private final EvictionGuard evictionGuard;

	/**
	 * Create the ledger's client, for values that are strings.
	 * @param connectionFactory where the ledger lives
	 * @param settings namespace, sharding, leases and retries
	 */
	public RedisTrackedExpirations(RedisConnectionFactory connectionFactory, TrackingSettings settings) {
		this(connectionFactory, settings, new StringTrackedValueCodec());
	}

	/**
	 * Create the ledger's client.
	 * @param connectionFactory where the ledger lives
	 * @param settings namespace, sharding, leases and retries
	 * @param valueCodec stores values other than strings
	 */
	public RedisTrackedExpirations(RedisConnectionFactory connectionFactory, TrackingSettings settings,
			TrackedValueCodec valueCodec) {
		this.ledger = new ExpiryLedger(connectionFactory, settings);
		this.valueCodec = valueCodec;
		this.evictionGuard = new EvictionGuard(connectionFactory, settings.namespace());
	}

	ExpiryLedger ledger() {
		return this.ledger;
	}

	EvictionGuard evictionGuard() {
		return this.evictionGuard;
	}

	/**
	 * Accept a Redis whose {@code maxmemory-policy} can evict the ledger ({@code allkeys-*} with a memory limit):
	 * writes are then not refused, and every eviction of the ledger's keys is logged as an error.
	 * @param allowEviction whether to accept it ({@code keyspace-events.tracking.allow-eviction})
	 */
	public void setAllowEviction(boolean allowEviction) {
		this.evictionGuard.setAllowEviction(allowEviction);
	}

	/**
	 * Read the server's {@code maxmemory-policy} at startup. Where it can evict the ledger and eviction is not
	 * accepted, fail if tracked expirations are in use (by the given beans, or by entries already in the ledger);
	 * otherwise writes are refused at the call. An unreachable Redis is checked later, by the scheduler.
	 * @param users beans of the application that use tracked expirations
	 * @throws io.github.keyspaceevents.KeyspaceEventsConfigurationException if the policy can evict what is in use
	 */
	public void verifyEvictionPolicy(List<String> users) {
		EvictionGuard.Risk risk;
		try {
			risk = this.evictionGuard.check();
		}
		catch (RedisConnectionFailureException | QueryTimeoutException ex) {
			logger.info("Redis not reachable to read its maxmemory-policy ("
					+ NestedExceptionUtils.getMostSpecificCause(ex).getMessage() + "); read once it is");
			return;
		}
		if (risk == EvictionGuard.Risk.EVICTS && !this.evictionGuard.status().accepted()) {
			List<String> using = new ArrayList<>(users.stream().map((user) -> "bean '" + user + "'").toList());
			Backlog backlog = this.ledger.backlog();
			long held = backlog.scheduled() + backlog.leased() + backlog.deadLetters();
			if (held > 0) {
				using.add("the " + held + " entries already in the ledger");
			}
			if (!using.isEmpty()) {
				this.evictionGuard.refuseToStart(using);
			}
		}
	}

	/**
	 * Return what should receive the keys Redis evicts, if the server's policy could evict the ledger (or could not
	 * be read): it reports evictions of the ledger's keys. Called by the subscription as it starts.
	 * @return the listener, or {@code null} when the ledger cannot be evicted
	 */
	public @Nullable Consumer<byte[]> evictionListener() {
		return this.evictionGuard.worthWatching() ? this.evictionGuard::evicted : null;
	}

	/**
	 * Describe the server's eviction policy as it concerns the ledger, for health checks.
	 * @return the status
	 */
	public EvictionStatus evictionStatus() {
		return this.evictionGuard.status();
	}

	// The scheduler wakes early when a key due sooner is written here; the argument is its due time (server ms).
	void onTrack(LongConsumer listener) {
		this.trackListeners.add(listener);
	}

	@Override
	public void expireAt(String key, @Nullable String value, Instant deadline) {
		check(new Expiry(key, value, deadline));
		this.evictionGuard.checkWritable(key);
		tracked(this.ledger.track(key, value, deadline, null));
	}

	private void check(Expiry expiry) {
		checkKey(expiry.key());
		checkValue(expiry.value());
		Instant deadline = expiry.deadline();
		if (deadline == null) {
			throw new IllegalArgumentException("Deadline of tracked key '" + expiry.key() + "' must not be null");
		}
		if (deadline.isBefore(Instant.EPOCH) || deadline.isAfter(LATEST)) {
			throw new IllegalArgumentException("Deadline " + deadline + " of tracked key '" + expiry.key()
					+ "' is outside what Redis can store exactly (" + Instant.EPOCH + " to " + LATEST + ")");
		}
	}

	@Override
	public void expireAtAll(Collection<Expiry> expiries) {
		if (expiries == null) {
			throw new IllegalArgumentException("Expiries to write must not be null");
		}
		List<Expiry> checked = new ArrayList<>(expiries.size());
		for (Expiry expiry : expiries) {
			if (expiry == null) {
				throw new IllegalArgumentException("Expiries to write must not contain null");
			}
			check(expiry);
			checked.add(expiry);
		}
		if (!checked.isEmpty()) {
			this.evictionGuard.checkWritable(checked.get(0).key());
		}
		writeAll(checked);
	}

	@Override
	public CompletableFuture<Void> expireAtAsync(String key, @Nullable String value, Instant deadline) {
		Expiry expiry = new Expiry(key, value, deadline);
		check(expiry);
		this.evictionGuard.checkWritable(key);
		return this.asyncWrites.submit(expiry);
	}

	private void writeAll(List<Expiry> expiries) {
		if (expiries.isEmpty()) {
			return;
		}
		this.ledger.trackAll(expiries);
		long earliest = expiries.stream().mapToLong((expiry) -> expiry.deadline().toEpochMilli()).min().getAsLong();
		tracked(earliest);
	}

	/** Write what {@link #expireAtAsync} still holds, then end its thread. */
	@Override
	public void destroy() {
		this.asyncWrites.close();
	}

	@Override
	public void expireAt(String key, @Nullable Object value, Instant deadline) {
		expireAt(key, encode(key, value), deadline);
	}

	@Override
	public void expireAfter(String key, @Nullable Object value, Duration timeToLive) {
		expireAfter(key, encode(key, value), timeToLive);
	}

	private @Nullable String encode(String key, @Nullable Object value) {
		if (value == null) {
			return null;
		}
		try {
			return this.valueCodec.encode(value);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("Value of tracked key '" + key + "': " + ex.getMessage(), ex);
		}
	}

	@Override
	public void expireAfter(String key, @Nullable String value, Duration timeToLive) {
		checkKey(key);
		checkValue(value);
		if (timeToLive == null || timeToLive.isNegative() || timeToLive.compareTo(LONGEST) > 0) {
			throw new IllegalArgumentException("Time to live of tracked key '" + key + "' must be between 0 and "
					+ LONGEST.toDays() + " days, was " + timeToLive);
		}
		this.evictionGuard.checkWritable(key);
		tracked(this.ledger.track(key, value, null, timeToLive));
	}

	// A key is due at dueAtMillis (server time): the scheduler may need to wake sooner.
	private void tracked(long dueAtMillis) {
		this.trackListeners.forEach((listener) -> listener.accept(dueAtMillis));
	}

	/**
	 * Make a tracked key due now, as if it had been written with that deadline (its value and attempts kept), and
	 * wake this instance's scheduler: e.g. a test of what happens when a payment window closes, run in milliseconds
	 * through the real ledger and handlers.
	 * @param key the key
	 * @return {@code true} if its expiry is now due; {@code false} if the key is not tracked, or its handlers may
	 * already be running
	 */
	public boolean expireNow(String key) {
		checkKey(key);
		boolean due = this.ledger.expireNow(key);
		if (due) {
			// Due now: any time in the past says so.
			tracked(0);
		}
		return due;
	}

	/**
	 * Count the tracked expiries of this namespace due by a time that have not ended yet: scheduled and due, or
	 * claimed and not yet recorded as done, failed or given back. For tests and operations tooling.
	 * @param by the time, by the Redis server's clock; {@code null} for the server's now
	 * @return the count, and the time it was counted up to
	 */
	public Pending pending(@Nullable Instant by) {
		return this.ledger.pending((by != null) ? by.toEpochMilli() : null);
	}

	@Override
	public boolean cancel(String key) {
		checkKey(key);
		return this.ledger.cancel(key) == 1;
	}

	@Override
	public List<DeadLetter> deadLetters(int offset, int limit) {
		if (offset < 0 || limit < 1) {
			throw new IllegalArgumentException(
					"Dead letter page needs offset >= 0 and limit >= 1, was offset " + offset + ", limit " + limit);
		}
		return this.ledger.deadLetters().list(offset, limit);
	}

	@Override
	public long deadLetterCount() {
		return backlog().deadLetters();
	}

	@Override
	public boolean retryDeadLetter(String key) {
		checkKey(key);
		this.evictionGuard.checkWritable(key);
		return this.ledger.deadLetters().retry(key) == 1;
	}

	@Override
	public boolean deleteDeadLetter(String key) {
		checkKey(key);
		return this.ledger.deadLetters().delete(key);
	}

	@Override
	public long purgeDeadLetters(Duration age) {
		if (age == null || age.isNegative()) {
			throw new IllegalArgumentException("Age of dead letters to purge must be zero or more, was " + age);
		}
		return this.ledger.deadLetters().purge(age);
	}

	/**
	 * Count the ledger's entries, for health checks and operations.
	 * @return the counts over all shards
	 */
	public Backlog backlog() {
		return this.ledger.backlog();
	}

	private void checkKey(String key) {
		if (key == null || key.isEmpty()) {
			throw new IllegalArgumentException("Tracked key must not be null or empty");
		}
		String namespace = this.ledger.settings().namespace();
		if (key.startsWith("{" + namespace + ":") || key.startsWith("{" + namespace + "}")) {
			throw new IllegalArgumentException("Tracked key '" + key + "' lies in the ledger's own namespace {"
					+ namespace + "…} (keyspace-events.tracking.namespace); choose another key");
		}
		checkUtf8(key, "Tracked key");
	}

	private static void checkValue(@Nullable String value) {
		if (value != null) {
			checkUtf8(value, "Value of a tracked key");
		}
	}

	// Redis keeps bytes: a string that does not survive UTF-8 would come back as another string.
	private static void checkUtf8(String text, String what) {
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
				i++;
			}
			else if (Character.isSurrogate(c)) {
				throw new IllegalArgumentException(what + " has a lone surrogate (\\u%04x) at index %d; it cannot be stored as UTF-8 and would come back changed".formatted((int) c, i));
			}
		}
	}

	/**
	 * Tracked expiries due by a time that have not ended yet.
	 *
	 * @param count how many
	 * @param by the time counted up to, by the Redis server's clock
	 */
	public record Pending(long count, Instant by) {
	}

	/**
	 * How many entries the ledger holds.
	 * @param overdue scheduled entries past their deadline (a backlog)
	 * @param scheduled entries waiting for their deadline or a retry, overdue ones included
	 * @param leased entries being handled
	 * @param deadLetters entries given up after their last attempt
	 */
	public record Backlog(long overdue, long scheduled, long leased, long deadLetters) {
	}

	/**
	 * What the server's memory policy means for the ledger.
	 * @param policy the {@code maxmemory-policy} and {@code maxmemory} read last (each master's where they can
	 * evict), or why they could not be read
	 * @param canEvict whether an {@code allkeys-*} policy can evict the ledger (now, or once a limit is set)
	 * @param accepted whether {@code keyspace-events.tracking.allow-eviction} accepts that
	 * @param writesRefused whether writes are refused because the policy evicts and that was not accepted
	 * @param ledgerKeysEvicted how many of the ledger's keys Redis was seen evicting
	 * @param problem why tracked expirations are not healthy (Redis evicted ledger keys while it still can), or
	 * {@code null}
	 */
	public record EvictionStatus(String policy, boolean canEvict, boolean accepted, boolean writesRefused,
			long ledgerKeysEvicted,
			@Nullable String problem) {
	}

}
