package io.github.keyspaceevents;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Writes keys whose expiry must not be lost, late or handled twice. Each key is written together with an entry in a
 * ledger kept in Redis (one atomic step), and is handled by the same {@code @OnKeyExpired} methods as any key, with
 * these guarantees on top of plain keyspace notifications:
 * <ul>
 * <li>on time: due entries are claimed from the ledger as they come due, without waiting for Redis to get round to
 * deleting the key;</li>
 * <li>nothing lost: entries that came due while the application was down or disconnected are handled when it is
 * back;</li>
 * <li>exactly one instance handles each expiry: it claims the entry atomically, with a lease;</li>
 * <li>at least once across failures: a handler that throws, or an instance that dies while handling, gives the entry
 * back for a retry with backoff; after the last attempt it goes to a dead letter that {@link #deadLetters()}
 * lists.</li>
 * </ul>
 * The value written with the key stays readable for the handler ({@link KeyspaceEvent#value()}) after Redis has deleted
 * the key.
 */
public interface TrackedExpirations {

	/**
	 * Write {@code key} with {@code value}, expiring at {@code deadline}, and track it.
	 * @param key the key
	 * @param value its value, handed to the handler with the expiry (may be {@code null})
	 * @param deadline when it expires
	 */
	void expireAt(String key, @Nullable String value, Instant deadline);

	/**
	 * Write {@code key} with {@code value}, expiring after {@code timeToLive}, and track it.
	 * @param key the key
	 * @param value its value, handed to the handler with the expiry (may be {@code null})
	 * @param timeToLive how long until it expires
	 */
	default void expireAfter(String key, @Nullable String value, Duration timeToLive) {
		expireAt(key, value, Instant.now().plus(timeToLive));
	}

	/**
	 * Delete a tracked key and its ledger entry in one step, e.g. when an order is paid; its expiry will not be
	 * handled. An expiry already being handled is not interrupted.
	 * @param key the key
	 * @return whether the key was tracked and not yet handled
	 */
	boolean cancel(String key);

	/**
	 * List the expiries whose handlers failed on every attempt.
	 * @return the dead letters, oldest first
	 */
	List<DeadLetter> deadLetters();

	/**
	 * A tracked expiry given up after its last attempt.
	 *
	 * @param key the key
	 * @param value the value it was written with
	 * @param attempts how many times it was tried
	 * @param lastError what the last attempt failed with
	 * @param failedAt when it was given up
	 */
	record DeadLetter(String key, @Nullable String value, int attempts, String lastError, Instant failedAt) {
	}

}
