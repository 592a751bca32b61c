package io.github.keyspaceevents.autoconfigure;

import io.github.keyspaceevents.annotation.OnKeyExpired;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A handler that records the keys of expired {@code order:*} keys, for tests that only need to see events arrive.
 */
@Configuration(proxyBeanMethods = false)
class ExpiredOrderRecorder {

	private final EventRecorder recorder = new EventRecorder();

	@Bean
	EventRecorder eventRecorder() {
		return this.recorder;
	}

	@OnKeyExpired("order:*")
	void expired(String key) {
		this.recorder.record(key);
	}

}
