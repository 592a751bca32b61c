package io.github.keyspaceevents.dispatch;

import org.jspecify.annotations.Nullable;

/**
 * One attempt at handling a tracked expiry, as the dispatch lanes see it. The lanes only run handlers and report;
 * what an outcome means for the ledger is the tracking side's business.
 */
public interface TrackedAttempt {

	/**
	 * Called on the lane just before the handlers run.
	 * @return {@code false} to skip the handlers: the expiry was cancelled, re-written or taken over meanwhile, or its
	 * claim may have lapsed (then it is given back, and claimed again unless someone else has it)
	 */
	boolean begin();

	/**
	 * The handlers ran.
	 * @param failure what the first failing handler threw, or {@code null} if all succeeded
	 */
	void end(@Nullable Throwable failure);

	/** The attempt did not run (dispatch is stopping), or was interrupted by the shutdown timeout. */
	void giveBack();

}
