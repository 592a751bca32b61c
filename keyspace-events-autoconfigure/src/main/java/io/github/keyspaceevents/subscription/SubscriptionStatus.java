package io.github.keyspaceevents.subscription;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The state of the subscription.
 * @param subscribed whether the subscription was made (Redis was reachable at least once)
 * @param redisReachable whether the last contact with Redis succeeded
 * @param problem a configuration problem found once Redis was reachable (a database the server lacks)
 * @param channels the channels subscribed to
 * @param requiredFlags the letters the handlers need
 * @param flagsState outcome of the last server check: {@code COVERED}, {@code APPLIED}, {@code MISSING},
 * {@code UNVERIFIABLE}, {@code NOT_MANAGED} or {@code NOT_CHECKED}
 * @param serverFlags the server's letters at the last check, if readable
 * @param missingFlags the needed letters the server lacks
 * @param flagsProblem the server's error when it refused {@code CONFIG}
 * @param droppedEvents events dropped because handlers could not keep up
 * @param nodes for a Redis Cluster, each node by address: whether it is a master subscribed on, and its flags
 */
public record SubscriptionStatus(boolean subscribed, boolean redisReachable, @Nullable String problem,
		List<String> channels, String requiredFlags, String flagsState, @Nullable String serverFlags,
		String missingFlags, @Nullable String flagsProblem, long droppedEvents, Map<String, String> nodes) {
}
