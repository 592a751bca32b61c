package io.github.keyspaceevents.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Binds a handler parameter to the value a tracked key was written with
 * ({@link io.github.keyspaceevents.TrackedExpirations#expireAt(String, Object, java.time.Instant)}), read as the
 * parameter's type: a {@code String} as it was written, anything else from its JSON form.
 *
 * <pre class="code">
 * &#64;OnKeyExpired("order:{id}")
 * void cancel(&#64;KeyVariable("id") long id, &#64;TrackedValue OrderSnapshot snapshot) { … }
 * </pre>
 *
 * A plain (untracked) event, or a tracked key written without a value, gives {@code null}; a primitive parameter is
 * therefore refused at startup. A value that cannot be read as the parameter's type is a handler failure (retried, then
 * dead-lettered), not a lost expiry.
 */
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface TrackedValue {

}
