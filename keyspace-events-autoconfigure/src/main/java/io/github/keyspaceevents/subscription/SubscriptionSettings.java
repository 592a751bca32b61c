package io.github.keyspaceevents.subscription;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;

import io.github.keyspaceevents.TrackedValueCodec;
import io.github.keyspaceevents.dispatch.DispatchMetrics;
import io.github.keyspaceevents.notification.NotificationMode;

/**
 * What the subscription needs to know, resolved from properties by the auto-configuration.
 * @param database the database whose events are handled
 * @param mode how to treat the server's {@code notify-keyspace-events}
 * @param extraFlags letters to enable beyond what the handlers need
 * @param checkInterval how often to check the server setting while connected
 * @param concurrency number of dispatch lanes (threads)
 * @param maxConcurrency most threads the lanes may grow to while handlers block
 * @param queueCapacity events each lane may hold
 * @param threadFactory creates the lane threads (platform or virtual)
 * @param failFast whether an unreachable Redis fails startup
 * @param initialRetryInterval first delay before retrying an unreachable Redis
 * @param maxRetryInterval longest delay between retries
 * @param shutdownTimeout how long queued events may still run at shutdown
 * @param metrics where dispatch reports to
 * @param internalNamespace the namespace of the starter's own keys, never dispatched to handlers
 */
public record SubscriptionSettings(int database, NotificationMode mode, String extraFlags, Duration checkInterval,
		int concurrency, int maxConcurrency, int queueCapacity, ThreadFactory threadFactory, boolean failFast,
		Duration initialRetryInterval, Duration maxRetryInterval, Duration shutdownTimeout, DispatchMetrics metrics,
		String internalNamespace, TrackedValueCodec valueCodec) {
}
