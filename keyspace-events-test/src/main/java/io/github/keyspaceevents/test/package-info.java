/**
 * Test support for applications using keyspace-events: {@link io.github.keyspaceevents.test.AutoConfigureRedisServer}
 * runs a test against a real {@code redis-server}, and {@link io.github.keyspaceevents.test.KeyspaceEventsTester}
 * waits for handlers instead of sleeping.
 */
@NullMarked
package io.github.keyspaceevents.test;

import org.jspecify.annotations.NullMarked;
