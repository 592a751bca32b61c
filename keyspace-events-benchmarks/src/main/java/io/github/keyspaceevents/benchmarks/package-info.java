/**
 * Benchmarks of this starter against a raw Lettuce listener and Spring Data Redis' listener container, run against
 * one real redis-server in one JVM.
 */
package io.github.keyspaceevents.benchmarks;
