package io.github.keyspaceevents.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.core.annotation.AliasFor;

/**
 * Handles a key whose time to live ran out: shortcut for {@code @OnKeyEvent(events = "expired")}. Called for each matching key
 * expired (its time to live ran out and Redis deleted it). Redis publishes this when it deletes the key, which can be seconds after the deadline.
 *
 * @see OnKeyEvent
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Repeatable(OnKeyExpired.List.class)
@OnKeyEvent(events = "expired")
public @interface OnKeyExpired {

	/**
	 * Key patterns in Redis glob syntax; see {@link OnKeyEvent#value()}.
	 * @return the key patterns
	 */
	@AliasFor(annotation = OnKeyEvent.class, attribute = "value")
	String[] value() default {};

	/**
	 * Container for repeated {@link OnKeyExpired} declarations; usually implicit.
	 */
	@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
	@Retention(RetentionPolicy.RUNTIME)
	@Documented
	@interface List {

		/** @return the repeated declarations */
		OnKeyExpired[] value();

	}

}
