package io.github.keyspaceevents.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;

/**
 * Runs a {@code @SpringBootTest} against a real {@code redis-server} that the test run starts itself, and gives it a
 * {@link KeyspaceEventsTester}.
 * <p>
 * The server is started on a free port when the first test context needs it and shared by every context of the run
 * (it is stopped when the test JVM exits). Boot's Redis connection is pointed at it the way {@code @ServiceConnection}
 * does, with a {@code DataRedisConnectionDetails} bean, so {@code spring.data.redis.*} host and port settings are
 * ignored. The binary is taken from the {@code REDIS_SERVER_BINARY} environment variable, else {@code redis-server} on
 * the {@code PATH}, else a Redis binary bundled in a dependency from Maven Central, so the test runs on a machine with
 * only a JDK.
 *
 * <pre class="code">
 * &#64;SpringBootTest
 * &#64;AutoConfigureRedisServer
 * class PaymentWindowTests {
 *
 *     &#64;Autowired KeyspaceEventsTester tester;
 *     …
 * }
 * </pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ImportAutoConfiguration
public @interface AutoConfigureRedisServer {

}
