package io.github.keyspaceevents.autoconfigure;

import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import io.github.keyspaceevents.tracking.RedisTrackedExpirations;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of the
 * {@code keyspaceEvents} health indicator ({@code management.health.keyspace-events.enabled} switches it off).
 */
@AutoConfiguration(after = KeyspaceEventsAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(KeyspaceEventSubscription.class)
@ConditionalOnEnabledHealthIndicator("keyspaceEvents")
public final class KeyspaceEventsHealthAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "keyspaceEventsHealthIndicator")
	KeyspaceEventsHealthIndicator keyspaceEventsHealthIndicator(KeyspaceEventSubscription subscription,
			ObjectProvider<RedisTrackedExpirations> tracked) {
		return new KeyspaceEventsHealthIndicator(subscription, tracked.getIfAvailable());
	}

}
