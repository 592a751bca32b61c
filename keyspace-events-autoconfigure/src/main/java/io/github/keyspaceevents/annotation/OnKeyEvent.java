package io.github.keyspaceevents.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.aot.hint.annotation.Reflective;

/**
 * Marks a bean method as the handler of Redis keyspace events whose key matches one of the {@link #value() patterns}
 * and whose event is one of {@link #events()}.
 * <p>
 * The method may declare no parameter, or any of: a {@code String} (the key, UTF-8), a {@code byte[]} (the key's raw
 * bytes), an {@link io.github.keyspaceevents.KeyspaceEvent}, parameters bound to variables of the pattern
 * ({@link KeyVariable @KeyVariable}) and the value of a tracked key ({@link TrackedValue @TrackedValue}). Events for the same key reach the method in the order
 * Redis published them; events for different keys may be handled in parallel.
 * <p>
 * Usable as a meta-annotation; {@link OnKeyExpired}, {@link OnKeyEvicted} and {@link OnKeyDeleted} are shortcuts.
 *
 * <pre class="code">
 * &#64;OnKeyEvent(value = "cart:*", events = { "set", "hset" })
 * void cartChanged(String key) { … }
 * </pre>
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Repeatable(OnKeyEvents.class)
@Reflective(HandlerMethodReflectiveProcessor.class)
public @interface OnKeyEvent {

	/**
	 * Key patterns in Redis glob syntax ({@code *}, {@code ?}, {@code [abc]}, {@code [^a]}, {@code [a-z]}, {@code \}
	 * escapes); a key matching any of them is handled. {@code ${…}} placeholders are resolved from the environment.
	 * A {@code {name}} segment is a variable where a {@link KeyVariable @KeyVariable} parameter of the method names it;
	 * other braces have no special meaning, so cluster hash tags such as {@code order:{42}} are matched literally.
	 * @return the key patterns
	 */
	String[] value() default {};

	/**
	 * Redis event names, as published on the keyevent channel: {@code expired}, {@code evicted}, {@code del},
	 * {@code set}, {@code expire}, {@code rename_from}, {@code rename_to}, {@code hset}, {@code lpush}, {@code sadd},
	 * {@code zadd}, {@code incrby}, {@code new}, …
	 * @return the event names
	 */
	String[] events() default {};

}
