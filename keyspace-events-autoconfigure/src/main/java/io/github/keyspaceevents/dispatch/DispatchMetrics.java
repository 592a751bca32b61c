package io.github.keyspaceevents.dispatch;

import java.time.Duration;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.KeyspaceEventHandler;

/**
 * What dispatch reports to metrics and tracing. Free of Micrometer types, so the dispatcher works without Micrometer
 * on the classpath; {@link MicrometerDispatchMetrics} implements it over Micrometer.
 */
public interface DispatchMetrics {

	/** Reports nothing and invokes handlers directly. */
	DispatchMetrics NONE = new DispatchMetrics() {
	};

	/** An event matched at least one handler and was queued. */
	default void received(String event) {
	}

	/** An event was dropped because its dispatch lane was full. */
	default void dropped(String event) {
	}

	/**
	 * A tracked expiry was claimed from the ledger.
	 * @param recovered whether it was claimed well after its deadline: it came due while no instance could claim it
	 * (outage, restart), and only the ledger kept it
	 */
	default void trackedClaimed(boolean recovered) {
	}

	/** A tracked expiry failed and will be retried. */
	default void trackedRetried() {
	}

	/**
	 * Leases of tracked expiries lapsed: the instance holding them stopped renewing (died, or lost Redis).
	 * @param count how many were found lapsed
	 */
	default void trackedLeaseLapsed(int count) {
	}

	/** A tracked expiry failed its last attempt and went to the dead letter. */
	default void trackedDeadLettered() {
	}

	/** Redis evicted one of the tracked-expiration ledger's own keys: what it held is lost. */
	default void trackedLedgerKeyEvicted() {
	}

	/**
	 * A tracked expiry reached its handlers.
	 * @param lag from its deadline to the start of its handling
	 */
	default void trackedLag(Duration lag) {
	}

	/**
	 * Invoke one handler, observed.
	 * @param event the event
	 * @param handler the handler
	 * @param invocation the call
	 * @throws Throwable what the handler threw
	 */
	default void invoke(KeyspaceEvent event, KeyspaceEventHandler handler, Invocation invocation) throws Throwable {
		invocation.proceed();
	}

	/** A handler call. */
	@FunctionalInterface
	interface Invocation {

		void proceed() throws Throwable;

	}

}
