package io.github.keyspaceevents.tracking;

import io.github.keyspaceevents.launcher.RedisServerProcess;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A redis-server of its own with a started connection factory, for tests that drive the ledger's scripts directly.
 */
final class LedgerRedis implements AutoCloseable {

	private final RedisServerProcess server;

	private final LettuceConnectionFactory connectionFactory;

	private LedgerRedis(RedisServerProcess server) {
		this.server = server;
		this.connectionFactory = new LettuceConnectionFactory("127.0.0.1", server.port());
		this.connectionFactory.afterPropertiesSet();
		this.connectionFactory.start();
	}

	static LedgerRedis start() {
		RedisServerProcess server = RedisServerProcess.start();
		try {
			return new LedgerRedis(server);
		}
		catch (RuntimeException ex) {
			server.close();
			throw ex;
		}
	}

	RedisServerProcess server() {
		return this.server;
	}

	ExpiryLedger ledger(TrackingSettings settings) {
		return new ExpiryLedger(this.connectionFactory, settings);
	}

	@Override
	public void close() {
		try {
			this.connectionFactory.destroy();
		}
		finally {
			this.server.close();
		}
	}

}
