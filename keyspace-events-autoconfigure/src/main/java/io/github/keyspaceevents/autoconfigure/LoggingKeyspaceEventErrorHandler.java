package io.github.keyspaceevents.autoconfigure;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.KeyspaceEventErrorHandler;
import io.github.keyspaceevents.KeyspaceEventHandler;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Default {@link KeyspaceEventErrorHandler}: logs the handler, the event and the key at error level.
 */
final class LoggingKeyspaceEventErrorHandler implements KeyspaceEventErrorHandler {

	private static final Log logger = LogFactory.getLog(KeyspaceEventErrorHandler.class);

	@Override
	public void handleError(KeyspaceEvent event, KeyspaceEventHandler handler, Throwable error) {
		logger.error("Keyspace event handler %s failed for '%s' on key '%s' (database %d)".formatted(handler,
				event.event(), event.key(), event.database()), error);
	}

}
