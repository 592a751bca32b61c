package io.github.keyspaceevents.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.beans.factory.annotation.Qualifier;

/**
 * Qualifies the {@link org.springframework.data.redis.connection.RedisConnectionFactory} that tracked expirations
 * keep their ledger in, when it is not the application's main Redis (for example because that one evicts keys as a
 * cache). Declare it with {@code @Bean(defaultCandidate = false)} so that the application's main connection stays
 * auto-configured; or set {@code keyspace-events.tracking.redis.url} and let the starter create it.
 * <pre class="code">
 * &#64;Bean(defaultCandidate = false)
 * &#64;TrackedExpirationsConnection
 * LettuceConnectionFactory ledgerConnectionFactory() {
 *     return new LettuceConnectionFactory(new RedisClusterConfiguration(List.of("ledger-1:7000")));
 * }
 * </pre>
 */
@Target({ ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.TYPE,
		ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Qualifier
public @interface TrackedExpirationsConnection {

}
