/**
 * The subscription: channels for the handlers' events on the right database, on a standalone Redis or each
 * cluster master, kept through disconnects and restarts; it owns the dispatch lanes and the flag checks.
 * <p>
 * Internal to the starter: its public types are what the auto-configuration wires, not an API for applications.
 */
@NullMarked
package io.github.keyspaceevents.subscription;

import org.jspecify.annotations.NullMarked;
