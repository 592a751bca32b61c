package io.github.keyspaceevents.handler;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.List;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.KeyspaceEventHandler;
import io.github.keyspaceevents.KeyspaceEventsConfigurationException;

import org.springframework.util.ReflectionUtils;

/**
 * One handler method bound to its bean: decides whether a key matches and invokes the method with the arguments its
 * parameters ask for. Argument kinds are resolved once, at registration, so invocation does no lookup.
 */
public final class HandlerMethod {

	private final KeyspaceEventHandler handler;

	private final Object bean;

	private final Method invocable;

	private final Argument[] arguments;

	private final KeyPattern[] patterns;

	HandlerMethod(KeyspaceEventHandler handler, Object bean, Method invocable) {
		this.handler = handler;
		this.bean = bean;
		this.invocable = invocable;
		this.arguments = resolveArguments(handler);
		this.patterns = compilePatterns(handler);
		ReflectionUtils.makeAccessible(invocable);
	}

	public KeyspaceEventHandler handler() {
		return this.handler;
	}

	public boolean matches(byte[] key) {
		for (KeyPattern pattern : this.patterns) {
			if (pattern.matches(key)) {
				return true;
			}
		}
		return false;
	}

	public void invoke(KeyspaceEvent event) throws Throwable {
		Object[] args = new Object[this.arguments.length];
		for (int i = 0; i < args.length; i++) {
			args[i] = this.arguments[i].resolve(event);
		}
		try {
			this.invocable.invoke(this.bean, args);
		}
		catch (InvocationTargetException ex) {
			throw ex.getTargetException();
		}
	}

	private static Argument[] resolveArguments(KeyspaceEventHandler handler) {
		Parameter[] parameters = handler.method().getParameters();
		Argument[] arguments = new Argument[parameters.length];
		for (int i = 0; i < parameters.length; i++) {
			arguments[i] = Argument.of(parameters[i].getType());
			if (arguments[i] == null) {
				throw new KeyspaceEventsConfigurationException(
						"Keyspace event handler %s: parameter %d ('%s' of type %s) is not supported; a handler takes any of String (the key), byte[] (the key's bytes) and KeyspaceEvent"
							.formatted(handler, i, parameters[i].getName(), parameters[i].getType().getName()),
						"Change the parameters of " + handler + " to none, String, byte[] or KeyspaceEvent.");
			}
		}
		return arguments;
	}

	private static KeyPattern[] compilePatterns(KeyspaceEventHandler handler) {
		List<String> sources = handler.patterns();
		KeyPattern[] compiled = new KeyPattern[sources.size()];
		for (int i = 0; i < compiled.length; i++) {
			try {
				compiled[i] = KeyPattern.compile(sources.get(i));
			}
			catch (IllegalArgumentException ex) {
				throw new KeyspaceEventsConfigurationException("Keyspace event handler " + handler + ": " + ex.getMessage(),
						"Give " + handler + " a Redis glob pattern, e.g. \"order:*\".", ex);
			}
		}
		return compiled;
	}

	private enum Argument {

		KEY {
			@Override
			Object resolve(KeyspaceEvent event) {
				return event.key();
			}
		},

		KEY_BYTES {
			@Override
			Object resolve(KeyspaceEvent event) {
				return event.keyBytes();
			}
		},

		EVENT {
			@Override
			Object resolve(KeyspaceEvent event) {
				return event;
			}
		};

		abstract Object resolve(KeyspaceEvent event);

		static Argument of(Class<?> type) {
			if (type == String.class) {
				return KEY;
			}
			if (type == byte[].class) {
				return KEY_BYTES;
			}
			if (type == KeyspaceEvent.class) {
				return EVENT;
			}
			return null;
		}

	}

}
