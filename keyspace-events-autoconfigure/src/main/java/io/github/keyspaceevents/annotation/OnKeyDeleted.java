package io.github.keyspaceevents.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.core.annotation.AliasFor;

/**
 * Handles a key deleted by a command: shortcut for {@code @OnKeyEvent(events = "del")}. Called for each matching key
 * deleted by {@code DEL}, {@code UNLINK} or {@code GETDEL} (Redis publishes {@code del} for each).
 *
 * @see OnKeyEvent
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Repeatable(OnKeyDeleted.List.class)
@OnKeyEvent(events = "del")
public @interface OnKeyDeleted {

	/**
	 * Key patterns in Redis glob syntax; see {@link OnKeyEvent#value()}.
	 * @return the key patterns
	 */
	@AliasFor(annotation = OnKeyEvent.class, attribute = "value")
	String[] value() default {};

	/**
	 * Container for repeated {@link OnKeyDeleted} declarations; usually implicit.
	 */
	@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
	@Retention(RetentionPolicy.RUNTIME)
	@Documented
	@interface List {

		/** @return the repeated declarations */
		OnKeyDeleted[] value();

	}

}
