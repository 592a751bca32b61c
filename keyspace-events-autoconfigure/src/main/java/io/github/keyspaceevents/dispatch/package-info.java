/**
 * Ordered dispatch: lanes that run each key's events in order, off the Redis I/O thread, growing threads while
 * handlers block; metrics of what was received, dropped and handled.
 * <p>
 * Internal to the starter: its public types are what the auto-configuration wires, not an API for applications.
 */
@NullMarked
package io.github.keyspaceevents.dispatch;

import org.jspecify.annotations.NullMarked;
