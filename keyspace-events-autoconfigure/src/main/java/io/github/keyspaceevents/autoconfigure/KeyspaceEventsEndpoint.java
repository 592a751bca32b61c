package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.TrackedExpirations.DeadLetter;
import io.github.keyspaceevents.handler.KeyspaceEventHandlerRegistry;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import io.github.keyspaceevents.subscription.SubscriptionStatus;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * Actuator endpoint {@code keyspaceevents}: the registered handlers (bean, method, patterns, events), the flags and
 * channels in force, and the dead letters of tracked expirations:
 * <ul>
 * <li>{@code GET /actuator/keyspaceevents/deadletters?offset=0&limit=50}: a page, oldest first;</li>
 * <li>{@code POST /actuator/keyspaceevents/deadletters} with {@code {"action": "retry", "key": "order:1"}},
 * {@code {"action": "delete", "key": "order:1"}} or {@code {"action": "purge", "olderThan": "7d"}}.</li>
 * </ul>
 */
@Endpoint(id = "keyspaceevents")
public class KeyspaceEventsEndpoint {

	private static final String DEAD_LETTERS = "deadletters";

	private static final int DEFAULT_PAGE = 50;

	private static final int MAX_PAGE = 1_000;

	private final KeyspaceEventHandlerRegistry registry;

	private final KeyspaceEventSubscription subscription;

	private final @Nullable TrackedExpirations tracked;

	KeyspaceEventsEndpoint(KeyspaceEventHandlerRegistry registry, KeyspaceEventSubscription subscription,
			@Nullable TrackedExpirations tracked) {
		this.registry = registry;
		this.subscription = subscription;
		this.tracked = tracked;
	}

	@ReadOperation
	public KeyspaceEventsDescriptor keyspaceEvents() {
		List<HandlerDescriptor> handlers = this.registry.handlers()
			.stream()
			.map((handler) -> new HandlerDescriptor(handler.beanName(),
					handler.method().getDeclaringClass().getName() + "#" + handler.method().getName(),
					handler.patterns(), handler.events()))
			.toList();
		return new KeyspaceEventsDescriptor(handlers, this.subscription.status());
	}

	@ReadOperation
	public DeadLettersDescriptor deadLetters(@Selector String section, @Nullable Integer offset,
			@Nullable Integer limit) {
		TrackedExpirations tracked = tracked(section);
		int from = (offset != null) ? offset : 0;
		int size = (limit != null) ? limit : DEFAULT_PAGE;
		if (from < 0 || size < 1 || size > MAX_PAGE) {
			throw new InvalidEndpointRequestException("offset must be 0 or more and limit between 1 and " + MAX_PAGE
					+ ", were " + from + " and " + size, "Bad offset or limit");
		}
		return new DeadLettersDescriptor(tracked.deadLetterCount(), from, tracked.deadLetters(from, size));
	}

	@WriteOperation
	public Map<String, Object> changeDeadLetters(@Selector String section, String action, @Nullable String key,
			@Nullable Duration olderThan) {
		TrackedExpirations tracked = tracked(section);
		return switch (action) {
			case "retry" -> Map.of("action", action, "key", requireKey(key, action), "done",
					tracked.retryDeadLetter(requireKey(key, action)));
			case "delete" -> Map.of("action", action, "key", requireKey(key, action), "done",
					tracked.deleteDeadLetter(requireKey(key, action)));
			case "purge" -> {
				if (olderThan == null || olderThan.isNegative()) {
					throw new InvalidEndpointRequestException("purge needs 'olderThan', a duration of zero or more "
							+ "such as '7d' or 'PT1H', was " + olderThan, "Missing or bad olderThan");
				}
				yield Map.of("action", action, "olderThan", olderThan.toString(), "purged",
						tracked.purgeDeadLetters(olderThan));
			}
			default -> throw new InvalidEndpointRequestException(
					"action must be 'retry', 'delete' or 'purge', was '" + action + "'", "Unknown action");
		};
	}

	private static String requireKey(@Nullable String key, String action) {
		if (key == null || key.isEmpty()) {
			throw new InvalidEndpointRequestException(action + " needs 'key', the dead letter's key", "Missing key");
		}
		return key;
	}

	private TrackedExpirations tracked(String section) {
		if (!DEAD_LETTERS.equals(section)) {
			throw new InvalidEndpointRequestException("Unknown section '" + section + "'; the only one is '"
					+ DEAD_LETTERS + "'", "Unknown section");
		}
		TrackedExpirations tracked = this.tracked;
		if (tracked == null) {
			throw new InvalidEndpointRequestException(
					"Tracked expirations are off (keyspace-events.tracking.enabled=false)", "Tracking is off");
		}
		return tracked;
	}

	/**
	 * What the endpoint returns.
	 * @param handlers the registered handlers
	 * @param subscription the channels, flags and state of the subscription
	 */
	public record KeyspaceEventsDescriptor(List<HandlerDescriptor> handlers,
			SubscriptionStatus subscription) {
	}

	/**
	 * One handler.
	 * @param bean the bean name
	 * @param method the declaring class and method
	 * @param patterns the key patterns
	 * @param events the event names
	 */
	public record HandlerDescriptor(String bean, String method, List<String> patterns, Set<String> events) {
	}

	/**
	 * A page of dead letters.
	 * @param total how many there are
	 * @param offset where the page starts
	 * @param deadLetters the page, oldest first
	 */
	public record DeadLettersDescriptor(long total, int offset, List<DeadLetter> deadLetters) {
	}

}
