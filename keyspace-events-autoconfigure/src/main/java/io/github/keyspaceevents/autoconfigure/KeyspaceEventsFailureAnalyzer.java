package io.github.keyspaceevents.autoconfigure;

import io.github.keyspaceevents.KeyspaceEventsConfigurationException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns the starter's startup errors into Spring Boot's "APPLICATION FAILED TO START" description and action.
 */
class KeyspaceEventsFailureAnalyzer extends AbstractFailureAnalyzer<KeyspaceEventsConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, KeyspaceEventsConfigurationException cause) {
		return new FailureAnalysis(cause.getMessage(), cause.getAction(), cause);
	}

}
