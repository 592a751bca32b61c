package io.github.keyspaceevents.autoconfigure;

import java.util.List;
import java.util.Set;

import io.github.keyspaceevents.listener.KeyspaceEventHandlerRegistry;
import io.github.keyspaceevents.listener.KeyspaceEventSubscription;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * Actuator endpoint {@code keyspaceevents}: the registered handlers (bean, method, patterns, events) and the flags and
 * channels in force.
 */
@Endpoint(id = "keyspaceevents")
public class KeyspaceEventsEndpoint {

	private final KeyspaceEventHandlerRegistry registry;

	private final KeyspaceEventSubscription subscription;

	KeyspaceEventsEndpoint(KeyspaceEventHandlerRegistry registry, KeyspaceEventSubscription subscription) {
		this.registry = registry;
		this.subscription = subscription;
	}

	@ReadOperation
	public KeyspaceEventsDescriptor keyspaceEvents() {
		List<HandlerDescriptor> handlers = this.registry.handlers()
			.stream()
			.map((handler) -> new HandlerDescriptor(handler.beanName(),
					handler.method().getDeclaringClass().getName() + "#" + handler.method().getName(),
					handler.patterns(), handler.events()))
			.toList();
		return new KeyspaceEventsDescriptor(handlers, this.subscription.status());
	}

	/**
	 * What the endpoint returns.
	 * @param handlers the registered handlers
	 * @param subscription the channels, flags and state of the subscription
	 */
	public record KeyspaceEventsDescriptor(List<HandlerDescriptor> handlers,
			KeyspaceEventSubscription.Status subscription) {
	}

	/**
	 * One handler.
	 * @param bean the bean name
	 * @param method the declaring class and method
	 * @param patterns the key patterns
	 * @param events the event names
	 */
	public record HandlerDescriptor(String bean, String method, List<String> patterns, Set<String> events) {
	}

}
