/**
 * Launches real {@code redis-server} processes on loopback for tests, the sample application and benchmarks.
 */
package io.github.keyspaceevents.launcher;
