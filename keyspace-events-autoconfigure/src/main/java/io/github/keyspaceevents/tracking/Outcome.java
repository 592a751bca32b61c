package io.github.keyspaceevents.tracking;

/**
 * How an attempt ended, to be recorded in the ledger.
 *
 * @param claim the claim the attempt ran under
 * @param kind what happened
 * @param backoffMillis for a failure: how long until the retry
 * @param error for a failure: what the handler threw, on one line
 */
record Outcome(Claim claim, Kind kind, long backoffMillis, String error) {

	static Outcome done(Claim claim) {
		return new Outcome(claim, Kind.DONE, 0, "");
	}

	static Outcome givenBack(Claim claim) {
		return new Outcome(claim, Kind.GIVEN_BACK, 0, "");
	}

	static Outcome failed(Claim claim, long backoffMillis, String error) {
		return new Outcome(claim, Kind.FAILED, backoffMillis, error);
	}

	enum Kind {

		/** The handlers ran without failing: the entry and the key are gone. */
		DONE("c"),

		/** The handlers failed: retried after a backoff, or buried after the last attempt. */
		FAILED("f"),

		/** Not run, or interrupted by a shutdown: scheduled again at once, no attempt charged. */
		GIVEN_BACK("r");

		final String code;

		Kind(String code) {
			this.code = code;
		}

	}

}
