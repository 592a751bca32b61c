/**
 * Handler discovery and invocation: finds {@code @OnKeyEvent} methods on singleton beans, validates them,
 * matches keys with Redis' glob and invokes the methods.
 * <p>
 * Internal to the starter: its public types are what the auto-configuration wires, not an API for applications.
 */
@NullMarked
package io.github.keyspaceevents.handler;

import org.jspecify.annotations.NullMarked;
