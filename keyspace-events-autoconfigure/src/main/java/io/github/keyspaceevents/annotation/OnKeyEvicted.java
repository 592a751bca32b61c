package io.github.keyspaceevents.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.core.annotation.AliasFor;

/**
 * Handles a key evicted under memory pressure: shortcut for {@code @OnKeyEvent(events = "evicted")}. Called for each matching key
 * evicted to free memory under a {@code maxmemory} policy.
 *
 * @see OnKeyEvent
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Repeatable(OnKeyEvicted.List.class)
@OnKeyEvent(events = "evicted")
public @interface OnKeyEvicted {

	/**
	 * Key patterns in Redis glob syntax; see {@link OnKeyEvent#value()}.
	 * @return the key patterns
	 */
	@AliasFor(annotation = OnKeyEvent.class, attribute = "value")
	String[] value() default {};

	/**
	 * Container for repeated {@link OnKeyEvicted} declarations; usually implicit.
	 */
	@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
	@Retention(RetentionPolicy.RUNTIME)
	@Documented
	@interface List {

		/** @return the repeated declarations */
		OnKeyEvicted[] value();

	}

}
