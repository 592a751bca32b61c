/**
 * Annotations that turn a bean method into a handler of Redis keyspace events.
 */
@NullMarked
package io.github.keyspaceevents.annotation;

import org.jspecify.annotations.NullMarked;
