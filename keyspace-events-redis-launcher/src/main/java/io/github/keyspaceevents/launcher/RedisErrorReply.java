package io.github.keyspaceevents.launcher;

/**
 * An error reply ({@code -ERR …}) from a launched server.
 */
public final class RedisErrorReply extends RuntimeException {

	RedisErrorReply(String message) {
		super(message);
	}

}
