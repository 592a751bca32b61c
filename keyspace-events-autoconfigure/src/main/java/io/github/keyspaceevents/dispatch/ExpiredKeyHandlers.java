package io.github.keyspaceevents.dispatch;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The {@code @OnKeyExpired} handlers of this application, as tracked expirations need them: which keys they take, and
 * a way to run them on the key's dispatch lane, in order with the key's other events.
 */
public interface ExpiredKeyHandlers {

	/** @return the key patterns of every {@code expired} handler; empty if the application has none */
	List<String> expiredPatterns();

	/** @return whether expiries can be submitted now (dispatch started and not stopping) */
	boolean accepting();

	/** @return the number of dispatch lanes */
	int concurrency();

	/**
	 * Queue an expiry on its key's lane, as an {@code expired} event carrying the tracked value and deadline.
	 * @param key the key
	 * @param value the value it was written with
	 * @param deadline its deadline
	 * @param attempt told how the attempt went
	 * @return {@code false} if it was not queued (no matching handler, dispatch stopping, lane full); the attempt is
	 * then not told anything
	 */
	boolean submit(byte[] key, @Nullable String value, Instant deadline, TrackedAttempt attempt);

}
