package io.github.keyspaceevents.handler;

import java.util.List;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.KeyspaceEventHandler;
import io.github.keyspaceevents.KeyspaceEventsConfigurationException;
import io.github.keyspaceevents.annotation.KeyVariable;
import io.github.keyspaceevents.annotation.TrackedValue;
import org.jspecify.annotations.Nullable;

import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.convert.ConversionException;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * What one handler parameter receives, decided once at registration: the key, its bytes, the event, a key variable
 * converted to the parameter's type, or the tracked value read as it.
 */
final class HandlerArgument {

	private static final TypeDescriptor TEXT = TypeDescriptor.valueOf(String.class);

	private enum Kind {

		KEY, KEY_BYTES, EVENT, VARIABLE, TRACKED_VALUE

	}

	private final Kind kind;

	private final MethodParameter parameter;

	private final @Nullable String variable;

	private final TypeDescriptor type;

	private int variableIndex = -1;

	private HandlerArgument(Kind kind, MethodParameter parameter, @Nullable String variable) {
		this.kind = kind;
		this.parameter = parameter;
		this.variable = variable;
		this.type = new TypeDescriptor(parameter);
	}

	/** @return the key variable this parameter takes, or {@code null} */
	@Nullable String variable() {
		return this.variable;
	}

	static HandlerArgument[] resolve(KeyspaceEventHandler handler) {
		int count = handler.method().getParameterCount();
		HandlerArgument[] arguments = new HandlerArgument[count];
		for (int i = 0; i < count; i++) {
			MethodParameter parameter = new MethodParameter(handler.method(), i);
			parameter.initParameterNameDiscovery(new DefaultParameterNameDiscoverer());
			arguments[i] = of(parameter, handler);
		}
		return arguments;
	}

	private static HandlerArgument of(MethodParameter parameter, KeyspaceEventHandler handler) {
		MergedAnnotations annotations = MergedAnnotations.from(parameter.getParameterAnnotations());
		MergedAnnotation<KeyVariable> keyVariable = annotations.get(KeyVariable.class);
		boolean trackedValue = annotations.isPresent(TrackedValue.class);
		Class<?> type = parameter.getParameterType();
		if (keyVariable.isPresent() && trackedValue) {
			throw refused(handler, parameter, "is annotated both @KeyVariable and @TrackedValue",
					"Keep one of the two annotations on parameter " + describe(parameter) + " of " + handler + ".");
		}
		if (keyVariable.isPresent()) {
			String name = keyVariable.getString("name");
			if (!StringUtils.hasText(name)) {
				name = parameter.getParameterName();
			}
			if (!StringUtils.hasText(name)) {
				throw refused(handler, parameter, "is a @KeyVariable without a name, and the parameter names were "
						+ "not compiled in", "Name the variable, @KeyVariable(\"id\"), or compile with -parameters.");
			}
			return new HandlerArgument(Kind.VARIABLE, parameter, name);
		}
		if (trackedValue) {
			if (type.isPrimitive()) {
				throw refused(handler, parameter, "is a primitive @TrackedValue, but a plain event or a key "
						+ "written without a value has none", "Declare parameter " + describe(parameter) + " of "
								+ handler + " as " + ClassUtils.resolvePrimitiveIfNecessary(type).getSimpleName()
								+ " instead of " + type.getName() + ".");
			}
			return new HandlerArgument(Kind.TRACKED_VALUE, parameter, null);
		}
		if (type == String.class) {
			return new HandlerArgument(Kind.KEY, parameter, null);
		}
		if (type == byte[].class) {
			return new HandlerArgument(Kind.KEY_BYTES, parameter, null);
		}
		if (type == KeyspaceEvent.class) {
			return new HandlerArgument(Kind.EVENT, parameter, null);
		}
		throw refused(handler, parameter, "is not supported; a handler takes any of String (the key), byte[] (the "
				+ "key's bytes), KeyspaceEvent, @KeyVariable parameters and a @TrackedValue parameter",
				"Change the parameters of " + handler + " to none, String, byte[] or KeyspaceEvent, or annotate "
						+ describe(parameter) + " with @KeyVariable or @TrackedValue.");
	}

	private static KeyspaceEventsConfigurationException refused(KeyspaceEventHandler handler,
			MethodParameter parameter, String problem, String action) {
		return new KeyspaceEventsConfigurationException("Keyspace event handler %s: parameter %s %s"
			.formatted(handler, describe(parameter), problem), action);
	}

	private static String describe(MethodParameter parameter) {
		String name = parameter.getParameterName();
		return "%d (%sof type %s)".formatted(parameter.getParameterIndex(), (name != null) ? "'" + name + "' " : "",
				parameter.getGenericParameterType().getTypeName());
	}

	void indexVariables(List<String> variables) {
		if (this.variable != null) {
			this.variableIndex = variables.indexOf(this.variable);
		}
	}

	void checkConvertible(ConversionService conversionService, KeyspaceEventHandler handler) {
		if (this.kind == Kind.VARIABLE && !conversionService.canConvert(TEXT, this.type)) {
			throw refused(handler, this.parameter, "is the key variable {" + this.variable + "}, but no converter "
					+ "turns text into " + typeName(), "Register a Converter<String, "
							+ this.parameter.getParameterType().getSimpleName() + "> bean, or take the variable as a "
							+ "String.");
		}
	}

	@Nullable Object resolve(KeyspaceEvent event, String @Nullable [] variables,
			@Nullable ConversionService conversionService, KeyspaceEventHandler handler) {
		return switch (this.kind) {
			case KEY -> event.key();
			case KEY_BYTES -> event.keyBytes();
			case EVENT -> event;
			case TRACKED_VALUE -> event.value(ResolvableType.forMethodParameter(this.parameter));
			case VARIABLE -> convert(event, variables[this.variableIndex], conversionService, handler);
		};
	}

	private @Nullable Object convert(KeyspaceEvent event, String text, @Nullable ConversionService conversionService,
			KeyspaceEventHandler handler) {
		if (this.type.getType() == String.class) {
			return text;
		}
		if (conversionService == null) {
			throw new IllegalStateException(handler + " is not bound to a conversion service yet");
		}
		Object value;
		try {
			value = conversionService.convert(text, TEXT, this.type);
		}
		catch (ConversionException ex) {
			throw new IllegalArgumentException(notConvertible(event, text, handler) + ": " + ex.getMessage(), ex);
		}
		if (value == null && this.type.isPrimitive()) {
			throw new IllegalArgumentException(notConvertible(event, text, handler));
		}
		return value;
	}

	private String notConvertible(KeyspaceEvent event, String text, KeyspaceEventHandler handler) {
		return "Key '%s': variable {%s} = '%s' cannot be converted to %s for %s".formatted(event.key(), this.variable,
				text, typeName(), handler);
	}

	private String typeName() {
		return this.type.getResolvableType().toString();
	}

}
