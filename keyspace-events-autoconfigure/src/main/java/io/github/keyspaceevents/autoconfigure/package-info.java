/**
 * Spring Boot auto-configuration for keyspace event handlers.
 */
@NullMarked
package io.github.keyspaceevents.autoconfigure;

import org.jspecify.annotations.NullMarked;
