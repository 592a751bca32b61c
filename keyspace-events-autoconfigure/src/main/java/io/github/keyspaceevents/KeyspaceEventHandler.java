package io.github.keyspaceevents;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A registered handler method: which bean and method, for which key patterns and events. Describes a handler to
 * error handlers and operations tooling; it does not invoke anything.
 */
public final class KeyspaceEventHandler {

	private final String beanName;

	private final Method method;

	private final List<String> patterns;

	private final Set<String> events;

	/**
	 * Describe a handler.
	 * @param beanName the name of the bean declaring the method
	 * @param method the annotated method
	 * @param patterns the key patterns after placeholder resolution
	 * @param events the Redis event names
	 */
	public KeyspaceEventHandler(String beanName, Method method, List<String> patterns, Set<String> events) {
		this.beanName = beanName;
		this.method = method;
		this.patterns = List.copyOf(patterns);
		// Kept in declaration order, for log lines and operations listings.
		this.events = Collections.unmodifiableSet(new LinkedHashSet<>(events));
	}

	/** @return the name of the bean declaring the handler method */
	public String beanName() {
		return this.beanName;
	}

	/** @return the annotated method */
	public Method method() {
		return this.method;
	}

	/** @return the Redis glob patterns a key must match (any of them) */
	public List<String> patterns() {
		return this.patterns;
	}

	/** @return the Redis event names the handler receives */
	public Set<String> events() {
		return this.events;
	}

	/** @return {@code bean.method(ParameterTypes)}, as used in log lines and error messages */
	@Override
	public String toString() {
		return this.beanName + "." + this.method.getName() + Arrays.stream(this.method.getParameterTypes())
			.map(Class::getSimpleName)
			.collect(Collectors.joining(", ", "(", ")"));
	}

}
