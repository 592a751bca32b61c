package io.github.keyspaceevents.tracking;

import java.time.Instant;
import java.util.List;

import io.github.keyspaceevents.dispatch.ExpiredKeyHandlers;
import io.github.keyspaceevents.dispatch.TrackedAttempt;
import org.jspecify.annotations.Nullable;

/** What the scheduler sees before it starts: no handlers, accepting nothing. */
final class NoExpiredKeyHandlers implements ExpiredKeyHandlers {

	static final NoExpiredKeyHandlers INSTANCE = new NoExpiredKeyHandlers();

	private NoExpiredKeyHandlers() {
	}

	@Override
	public List<String> expiredPatterns() {
		return List.of();
	}

	@Override
	public boolean accepting() {
		return false;
	}

	@Override
	public int concurrency() {
		return 1;
	}

	@Override
	public boolean submit(byte[] key, @Nullable String value, Instant deadline, TrackedAttempt attempt) {
		return false;
	}

}
