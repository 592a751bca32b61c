package io.github.keyspaceevents.autoconfigure;

import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.handler.KeyspaceEventHandlerRegistry;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of the
 * {@code keyspaceevents} Actuator endpoint, where it is available (exposed and enabled).
 */
@AutoConfiguration(after = KeyspaceEventsAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(KeyspaceEventSubscription.class)
@ConditionalOnAvailableEndpoint(KeyspaceEventsEndpoint.class)
public final class KeyspaceEventsEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	KeyspaceEventsEndpoint keyspaceEventsEndpoint(KeyspaceEventHandlerRegistry registry,
			KeyspaceEventSubscription subscription, ObjectProvider<TrackedExpirations> tracked) {
		return new KeyspaceEventsEndpoint(registry, subscription, tracked.getIfAvailable());
	}

}
