package io.github.keyspaceevents.test;

import io.github.keyspaceevents.autoconfigure.KeyspaceEventsAutoConfiguration;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import io.github.keyspaceevents.tracking.RedisTrackedExpirations;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * A {@link KeyspaceEventsTester} for tests annotated with
 * {@link AutoConfigureRedisServer @AutoConfigureRedisServer}.
 */
@AutoConfiguration(after = KeyspaceEventsAutoConfiguration.class)
@ConditionalOnBean(KeyspaceEventSubscription.class)
public final class KeyspaceEventsTesterAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	KeyspaceEventsTester keyspaceEventsTester(KeyspaceEventSubscription subscription,
			ObjectProvider<RedisTrackedExpirations> trackedExpirations) {
		return new KeyspaceEventsTester(subscription, trackedExpirations.getIfAvailable());
	}

}
