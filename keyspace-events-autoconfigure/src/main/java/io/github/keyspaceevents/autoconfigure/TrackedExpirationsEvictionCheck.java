package io.github.keyspaceevents.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.github.keyspaceevents.tracking.RedisTrackedExpirations;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * Reads the server's {@code maxmemory-policy} once every singleton exists, when it is known which beans use tracked
 * expirations: where the policy can evict the ledger, an application that uses them fails to start, and one that
 * does not (it only has keyspace event handlers on a cache) starts with tracked writes refused.
 */
class TrackedExpirationsEvictionCheck implements SmartInitializingSingleton, BeanFactoryAware {

	// The starter's own beans that hold the TrackedExpirations bean without writing to it for the application.
	private static final Set<String> STARTER_BEAN_TYPES = Set.of("io.github.keyspaceevents.tracking.ExpiryScheduler",
			"io.github.keyspaceevents.autoconfigure.KeyspaceEventsHealthIndicator",
			"io.github.keyspaceevents.autoconfigure.KeyspaceEventsEndpoint",
			"io.github.keyspaceevents.test.KeyspaceEventsTester");

	private @Nullable ConfigurableListableBeanFactory beanFactory;

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		if (beanFactory instanceof ConfigurableListableBeanFactory listable) {
			this.beanFactory = listable;
		}
	}

	@Override
	public void afterSingletonsInstantiated() {
		ConfigurableListableBeanFactory beanFactory = this.beanFactory;
		if (beanFactory == null) {
			return;
		}
		for (String name : beanFactory.getBeanNamesForType(RedisTrackedExpirations.class, false, false)) {
			beanFactory.getBean(name, RedisTrackedExpirations.class).verifyEvictionPolicy(users(beanFactory, name));
		}
	}

	private static List<String> users(ConfigurableListableBeanFactory beanFactory, String trackedBean) {
		List<String> users = new ArrayList<>();
		for (String dependent : beanFactory.getDependentBeans(trackedBean)) {
			Class<?> type = beanFactory.getType(dependent, false);
			if (type == null || !STARTER_BEAN_TYPES.contains(type.getName())) {
				users.add(dependent);
			}
		}
		return users;
	}

}
