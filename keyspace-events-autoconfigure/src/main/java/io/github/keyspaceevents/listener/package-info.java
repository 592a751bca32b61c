/**
 * The machinery behind the handler annotations: handler discovery, key matching, server notification flags,
 * subscription and ordered dispatch.
 */
@NullMarked
package io.github.keyspaceevents.listener;

import org.jspecify.annotations.NullMarked;
