package io.github.keyspaceevents.annotation;

import java.lang.reflect.Method;
import java.lang.reflect.Parameter;

import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.ReflectionHints;
import org.springframework.aot.hint.annotation.SimpleReflectiveProcessor;

/**
 * The reflection a handler method needs at runtime, registered at build time for AOT and native images: the method is
 * invoked reflectively; a {@link TrackedValue @TrackedValue} type is read from JSON (its properties, constructors and
 * nested types, as for a web request body); a {@link KeyVariable @KeyVariable} type other than the ones the JDK
 * converts is made from text by a public constructor or a static factory such as {@code valueOf(String)}.
 */
final class HandlerMethodReflectiveProcessor extends SimpleReflectiveProcessor {

	private final BindingReflectionHintsRegistrar bindingHints = new BindingReflectionHintsRegistrar();

	@Override
	protected void registerMethodHint(ReflectionHints hints, Method method) {
		super.registerMethodHint(hints, method);
		for (Parameter parameter : method.getParameters()) {
			if (parameter.isAnnotationPresent(TrackedValue.class) && parameter.getType() != String.class) {
				this.bindingHints.registerReflectionHints(hints, parameter.getParameterizedType());
			}
			else if (parameter.isAnnotationPresent(KeyVariable.class) && needsHints(parameter.getType())) {
				hints.registerType(parameter.getType(), MemberCategory.INVOKE_PUBLIC_CONSTRUCTORS,
						MemberCategory.INVOKE_PUBLIC_METHODS);
			}
		}
	}

	// Primitives, their wrappers and the JDK's own types are converted without reflection on application classes.
	private static boolean needsHints(Class<?> type) {
		return !type.isPrimitive() && !type.getName().startsWith("java.");
	}

}
