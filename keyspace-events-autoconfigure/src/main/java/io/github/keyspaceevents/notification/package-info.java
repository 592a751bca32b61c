/**
 * The server's {@code notify-keyspace-events}: which letters the handlers need, merging them with what the server
 * has, verifying them, and saying what to set where {@code CONFIG} is refused.
 * <p>
 * Internal to the starter: its public types are what the auto-configuration wires, not an API for applications.
 */
@NullMarked
package io.github.keyspaceevents.notification;

import org.jspecify.annotations.NullMarked;
