/**
 * Redis keyspace notifications as Spring handler methods: the event passed to handlers and the error-handling
 * contract.
 */
@NullMarked
package io.github.keyspaceevents;

import org.jspecify.annotations.NullMarked;
