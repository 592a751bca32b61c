package io.github.keyspaceevents.autoconfigure;

import io.github.keyspaceevents.dispatch.DispatchMetrics;
import io.github.keyspaceevents.dispatch.MicrometerDispatchMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of the keyspace event
 * metrics and observations, when Micrometer has a {@link MeterRegistry}. Runs before
 * {@link KeyspaceEventsAutoConfiguration}, whose subscription and scheduler report to it.
 */
@AutoConfiguration(before = KeyspaceEventsAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration" })
@ConditionalOnClass({ MeterRegistry.class, ObservationRegistry.class, RedisMessageListenerContainer.class })
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnBooleanProperty(name = "keyspace-events.enabled", matchIfMissing = true)
public final class KeyspaceEventsMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(DispatchMetrics.class)
	MicrometerDispatchMetrics keyspaceEventsDispatchMetrics(MeterRegistry meterRegistry,
			ObjectProvider<ObservationRegistry> observationRegistry) {
		return new MicrometerDispatchMetrics(meterRegistry,
				observationRegistry.getIfAvailable(() -> ObservationRegistry.NOOP));
	}

}
