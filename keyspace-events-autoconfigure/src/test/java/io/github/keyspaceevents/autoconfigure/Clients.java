package io.github.keyspaceevents.autoconfigure;

/**
 * Which Redis client the tests run with: Lettuce (Spring Boot's default), or Jedis in the build's second run of the
 * client-dependent tests, which takes Lettuce off the classpath.
 */
final class Clients {

	static final boolean JEDIS = "jedis".equals(System.getProperty("keyspace-events.test.client"));

	private Clients() {
	}

}
