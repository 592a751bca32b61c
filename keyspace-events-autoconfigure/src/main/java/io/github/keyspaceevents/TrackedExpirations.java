package io.github.keyspaceevents;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

/**
 * Writes keys whose expiry must not be lost, late or handled twice. Each key is written together with an entry in a
 * ledger kept in Redis (one atomic step), and its expiry is handled by the same {@code @OnKeyExpired} methods as any
 * key, with these guarantees on top of plain keyspace notifications:
 * <ul>
 * <li>on time: entries are claimed as they come due by the Redis server's clock, without waiting for Redis to get
 * round to deleting the key;</li>
 * <li>nothing lost: entries that came due while no application could handle them (outage, restart, deploy) are
 * handled when one can;</li>
 * <li>one instance at a time: an instance claims an entry atomically, with a fencing token and a lease it renews
 * while it handles the entry; only an application with a matching {@code @OnKeyExpired} handler claims it;</li>
 * <li>once, and again only after a failure: a handler that throws gives the entry back for a retry with backoff; an
 * instance that dies or loses Redis for longer than the lease has its entry retried by another (so a handler that
 * had run may run again); after the last attempt the entry goes to a dead letter.</li>
 * </ul>
 * A tracked key lives in Redis, with its value and without a Redis TTL, until its expiry has been handled (or
 * dead-lettered, or cancelled); it is then deleted, so Redis never publishes a plain {@code expired} event for it.
 * The handler receives the value ({@link KeyspaceEvent#value()}) and deadline ({@link KeyspaceEvent#deadline()}).
 * <p>
 * Every method throws {@link IllegalArgumentException} for input it cannot keep faithfully (a null or empty key, a key
 * in the ledger's own namespace, a key that does not survive UTF-8, a deadline Redis cannot store), and Spring's
 * {@code DataAccessException} when Redis cannot be reached.
 */
public interface TrackedExpirations {

	/**
	 * Write {@code key} with {@code value}, due at {@code deadline}, and track it. Writing a key that is already
	 * tracked replaces its expiry, whatever state it is in: an attempt still running for the old one can no longer
	 * record anything, nor delete the key.
	 * @param key the key
	 * @param value its value, handed to the handler with the expiry (may be {@code null})
	 * @param deadline when it expires; a past deadline is due at once
	 */
	void expireAt(String key, @Nullable String value, Instant deadline);

	/**
	 * Write {@code key} with {@code value}, due {@code timeToLive} from now by the Redis server's clock, and track it.
	 * @param key the key
	 * @param value its value, handed to the handler with the expiry (may be {@code null})
	 * @param timeToLive how long until it expires; zero or more
	 */
	void expireAfter(String key, @Nullable String value, Duration timeToLive);

	/**
	 * {@link #expireAt(String, String, Instant)} with a value of any type, stored through the application's
	 * {@link TrackedValueCodec} (JSON by default; a {@code String} stays as it is), so that a handler can take it back
	 * typed: a {@link io.github.keyspaceevents.annotation.TrackedValue @TrackedValue} parameter or
	 * {@link KeyspaceEvent#value(Class)}.
	 * @param key the key
	 * @param value its value (may be {@code null})
	 * @param deadline when it expires; a past deadline is due at once
	 * @throws IllegalArgumentException also if the value cannot be encoded
	 */
	void expireAt(String key, @Nullable Object value, Instant deadline);

	/**
	 * {@link #expireAfter(String, String, Duration)} with a value of any type, stored as by
	 * {@link #expireAt(String, Object, Instant)}.
	 * @param key the key
	 * @param value its value (may be {@code null})
	 * @param timeToLive how long until it expires; zero or more
	 * @throws IllegalArgumentException also if the value cannot be encoded
	 */
	void expireAfter(String key, @Nullable Object value, Duration timeToLive);

	/**
	 * Write and track many keys at once, e.g. a job that schedules coupon expiries: the same as calling
	 * {@link #expireAt} for each in order, in far fewer round trips (one per thousand keys on a standalone Redis, one
	 * per ledger shard and thousand keys on a cluster). Each key is written atomically with its entry, as by
	 * {@code expireAt}; the batch as a whole is not: if Redis fails midway, the keys of the calls that completed are
	 * tracked and the others are not, and writing the batch again writes each of them again. Every expiry is checked
	 * before anything is written, so bad input writes nothing.
	 * @param expiries what to write; a key given twice is written with its last expiry
	 */
	default void expireAtAll(Collection<Expiry> expiries) {
		for (Expiry expiry : expiries) {
			expireAt(expiry.key(), expiry.value(), expiry.deadline());
		}
	}

	/**
	 * {@link #expireAt}, without waiting: the key is checked at once (and the call throws for bad input), then
	 * written in the background, together with other keys written asynchronously meanwhile, in batches as by
	 * {@link #expireAtAll}.
	 * @param key the key
	 * @param value its value, handed to the handler with the expiry (may be {@code null})
	 * @param deadline when it expires; a past deadline is due at once
	 * @return completes once the key and its entry are written, or exceptionally with the reason they were not
	 */
	default CompletableFuture<Void> expireAtAsync(String key, @Nullable String value, Instant deadline) {
		return CompletableFuture.runAsync(() -> expireAt(key, value, deadline));
	}

	/**
	 * Delete a tracked key and its ledger entry in one step, e.g. when an order is paid. An attempt already running
	 * is not interrupted, but it is neither retried nor recorded afterwards.
	 * @param key the key
	 * @return {@code true} if the expiry was scheduled and its handlers will now never run; {@code false} if the key
	 * was not tracked, or its handlers were already running
	 */
	boolean cancel(String key);

	/**
	 * List dead letters, oldest first.
	 * @param offset how many of the oldest to skip
	 * @param limit the most to return
	 * @return the page
	 */
	List<DeadLetter> deadLetters(int offset, int limit);

	/** @return how many dead letters there are */
	long deadLetterCount();

	/**
	 * Schedule a dead letter again, due now, with its value and a fresh count of attempts; the key is written back.
	 * @param key the dead letter's key
	 * @return {@code true} if it was rescheduled; {@code false} if there is no such dead letter or the key is
	 * tracked again already
	 */
	boolean retryDeadLetter(String key);

	/**
	 * Delete a dead letter.
	 * @param key the dead letter's key
	 * @return whether there was one
	 */
	boolean deleteDeadLetter(String key);

	/**
	 * Delete the dead letters buried longer ago than {@code age}.
	 * @param age how old a dead letter must be to go; zero deletes them all
	 * @return how many were deleted
	 */
	long purgeDeadLetters(Duration age);

	/**
	 * One key to write and track, for {@link #expireAtAll}.
	 *
	 * @param key the key
	 * @param value its value, handed to the handler with the expiry (may be {@code null})
	 * @param deadline when it expires; a past deadline is due at once
	 */
	record Expiry(String key, @Nullable String value, Instant deadline) {
	}

	/**
	 * A tracked expiry given up after its last attempt.
	 *
	 * @param key the key
	 * @param value the value it was written with
	 * @param attempts how many times it was tried
	 * @param lastError what the last attempt failed with
	 * @param failedAt when it was given up (Redis server time)
	 * @param deadline when it was due
	 */
	record DeadLetter(String key, @Nullable String value, int attempts, String lastError, Instant failedAt,
			Instant deadline) {
	}

}
