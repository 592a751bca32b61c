package io.github.keyspaceevents;

/**
 * Receives the failure of a handler method. Delivery of later events goes on whatever this does; define a bean of
 * this type to replace the default, which logs the handler, event and key at error level.
 */
@FunctionalInterface
public interface KeyspaceEventErrorHandler {

	/**
	 * Handle the failure of one handler invocation.
	 * @param event the event the handler was given
	 * @param handler the handler that failed
	 * @param error what it threw
	 */
	void handleError(KeyspaceEvent event, KeyspaceEventHandler handler, Throwable error);

}
