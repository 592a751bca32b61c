package io.github.keyspaceevents.subscription;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.github.keyspaceevents.notification.NotificationFlags;
import io.github.keyspaceevents.notification.ServerNotifications;
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

	static SubscriptionStatus of(boolean subscribed, boolean redisReachable, @Nullable String problem,
			List<String> channels, String requiredFlags, ServerNotifications.@Nullable Status flags,
			long droppedEvents, @Nullable Set<String> subscribedMasters) {
		NotificationFlags serverFlags = (flags != null) ? flags.server() : null;
		return new SubscriptionStatus(subscribed, redisReachable, problem, channels, requiredFlags,
				(flags != null) ? flags.outcome().name() : "NOT_CHECKED",
				(serverFlags != null) ? serverFlags.letters() : null, (flags != null) ? flags.missing().letters() : "",
				(flags != null) ? flags.reason() : null, droppedEvents, clusterNodes(flags, subscribedMasters));
	}

	// Per node of a cluster: its flags and whether this instance is subscribed on it.
	private static Map<String, String> clusterNodes(ServerNotifications.@Nullable Status flags,
			@Nullable Set<String> subscribedMasters) {
		if (subscribedMasters == null || flags == null) {
			return Map.of();
		}
		Map<String, String> nodes = new TreeMap<>();
		flags.nodes().forEach((address, outcome) -> nodes.put(address,
				(subscribedMasters.contains(address) ? "master, subscribed" : "not subscribed") + ", flags " + outcome));
		return nodes;
	}

}
