package io.github.keyspaceevents.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.core.annotation.AliasFor;

/**
 * Binds a handler parameter to a variable of the handler's key pattern, as {@code @PathVariable} binds one of a URI
 * template. In {@code @OnKeyExpired("order:{id}")}, {@code {id}} matches like {@code *} and its text is converted to
 * the parameter's type by the application's {@code ConversionService} ({@code long}, {@code UUID}, enums, anything with
 * a converter):
 *
 * <pre class="code">
 * &#64;OnKeyExpired("order:{id}")
 * void cancel(&#64;KeyVariable("id") long id) { … }
 * </pre>
 *
 * A {@code {name}} segment is a variable only where a parameter of the same method names it; otherwise braces are
 * matched literally, so cluster hash tags such as {@code {user}:*} keep working. Each pattern of the method must
 * declare every variable the method asks for. A variable must not touch a {@code *} or another variable (where would
 * one end?). Where a key could be split in several ways, each variable takes as little as it can, from left to right:
 * {@code {a}:{b}} on {@code x:y:z} gives {@code a = x} and {@code b = y:z}.
 * <p>
 * A key whose variable cannot be converted is a handler failure: it goes to the
 * {@link io.github.keyspaceevents.KeyspaceEventErrorHandler} (for a tracked expiry: retried, then dead-lettered) and
 * delivery goes on.
 */
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface KeyVariable {

	/**
	 * Alias for {@link #name()}.
	 * @return the variable's name
	 */
	@AliasFor("name")
	String value() default "";

	/**
	 * The variable's name in the key pattern; defaults to the parameter's name (which needs the {@code -parameters}
	 * compiler flag, as Spring Boot's build plugins set).
	 * @return the variable's name
	 */
	@AliasFor("value")
	String name() default "";

}
