package io.github.keyspaceevents.handler;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.KeyspaceEventHandler;
import io.github.keyspaceevents.KeyspaceEventsConfigurationException;
import org.jspecify.annotations.Nullable;

import org.springframework.core.convert.ConversionService;
import org.springframework.util.ReflectionUtils;

/**
 * One handler method bound to its bean: decides whether a key matches and invokes the method with the arguments its
 * parameters ask for. Parameters and patterns are resolved once, at registration, so invocation does no lookup; a
 * method without key variables pays nothing for them.
 */
public final class HandlerMethod {

	private final KeyspaceEventHandler handler;

	private final Object bean;

	private final Method invocable;

	private final HandlerArgument[] arguments;

	private final KeyPattern[] patterns;

	private final List<String> globs;

	// The method's key variables, and per pattern: its template and where each method variable is among its stars.
	private final List<String> variables;

	private final KeyTemplate[] templates;

	private final int[][] variableStars;

	private volatile @Nullable ConversionService conversionService;

	HandlerMethod(KeyspaceEventHandler handler, Object bean, Method invocable) {
		this.handler = handler;
		this.bean = bean;
		this.invocable = invocable;
		this.arguments = HandlerArgument.resolve(handler);
		Set<String> variables = new LinkedHashSet<>();
		for (HandlerArgument argument : this.arguments) {
			if (argument.variable() != null) {
				variables.add(argument.variable());
			}
		}
		this.variables = List.copyOf(variables);
		for (HandlerArgument argument : this.arguments) {
			argument.indexVariables(this.variables);
		}
		this.templates = parseTemplates(handler, variables);
		this.variableStars = new int[this.templates.length][];
		this.patterns = new KeyPattern[this.templates.length];
		List<String> globs = new ArrayList<>();
		for (int i = 0; i < this.templates.length; i++) {
			this.patterns[i] = KeyPattern.compile(this.templates[i].glob());
			this.variableStars[i] = starsOf(this.templates[i], this.variables);
			globs.add(this.templates[i].glob());
		}
		this.globs = List.copyOf(globs);
		ReflectionUtils.makeAccessible(invocable);
	}

	public KeyspaceEventHandler handler() {
		return this.handler;
	}

	/**
	 * Return the key patterns as Redis globs: each key variable a {@code *}.
	 * @return the globs, in declaration order
	 */
	public List<String> globPatterns() {
		return this.globs;
	}

	public boolean matches(byte[] key) {
		for (KeyPattern pattern : this.patterns) {
			if (pattern.matches(key)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Bind the method's key variables to the conversion service that converts them, and check that it can.
	 * @param conversionService the application's conversion service
	 * @throws KeyspaceEventsConfigurationException if a variable's parameter type cannot be converted from text
	 */
	void bind(ConversionService conversionService) {
		for (HandlerArgument argument : this.arguments) {
			argument.checkConvertible(conversionService, this.handler);
		}
		this.conversionService = conversionService;
	}

	public void invoke(KeyspaceEvent event) throws Throwable {
		String[] variables = this.variables.isEmpty() ? null : variablesOf(event);
		Object[] args = new Object[this.arguments.length];
		for (int i = 0; i < args.length; i++) {
			args[i] = this.arguments[i].resolve(event, variables, this.conversionService, this.handler);
		}
		try {
			this.invocable.invoke(this.bean, args);
		}
		catch (InvocationTargetException ex) {
			throw ex.getTargetException();
		}
	}

	// The variables' text, in the method's order, from the first pattern the key matches.
	private String[] variablesOf(KeyspaceEvent event) {
		byte[] key = event.keyBytes();
		for (int i = 0; i < this.patterns.length; i++) {
			String[] captured = this.patterns[i].capture(key, this.variableStars[i]);
			if (captured != null) {
				return captured;
			}
		}
		throw new IllegalArgumentException("Key '" + event.key() + "' matches no pattern of " + this.handler);
	}

	private static KeyTemplate[] parseTemplates(KeyspaceEventHandler handler, Set<String> variables) {
		List<String> declared = handler.patterns();
		KeyTemplate[] templates = new KeyTemplate[declared.size()];
		for (int i = 0; i < templates.length; i++) {
			String pattern = declared.get(i);
			try {
				if (pattern.isEmpty()) {
					throw new IllegalArgumentException("Key pattern must not be empty; use \"*\" to match every key");
				}
				templates[i] = KeyTemplate.parse(pattern, variables);
			}
			catch (IllegalArgumentException ex) {
				throw new KeyspaceEventsConfigurationException("Keyspace event handler " + handler + ": "
						+ ex.getMessage(), "Give " + handler + " a Redis glob pattern, e.g. \"order:*\" or \"order:{id}\".",
						ex);
			}
			for (String variable : variables) {
				if (!templates[i].variables().contains(variable)) {
					throw new KeyspaceEventsConfigurationException(("Keyspace event handler %s: key pattern \"%s\" "
							+ "does not declare the variable {%s} that a @KeyVariable parameter asks for")
						.formatted(handler, pattern, variable),
							"Add {" + variable + "} to the pattern \"" + pattern + "\" of " + handler
									+ ", or handle that pattern in another method.");
				}
			}
		}
		return templates;
	}

	private static int[] starsOf(KeyTemplate template, List<String> variables) {
		int[] stars = new int[variables.size()];
		for (int v = 0; v < stars.length; v++) {
			stars[v] = template.starIndexes()[template.variables().indexOf(variables.get(v))];
		}
		return stars;
	}

}
