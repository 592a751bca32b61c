package io.github.keyspaceevents.launcher;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class RedisServerProcessTests {

	@Test
	void startsAnswersAndRestartsOnTheSamePortKeepingItsAppendOnlyFile() {
		try (RedisServerProcess redis = RedisServerProcess.start("--appendonly", "yes", "--appendfsync", "always")) {
			assertThat(redis.command("SET", "k", "v")).isEqualTo("OK");
			long firstPid = redis.pid();
			redis.restart();
			assertThat(redis.pid()).isNotEqualTo(firstPid);
			assertThat(redis.command("GET", "k")).isEqualTo("v");
		}
	}

	@Test
	void killedServerIsNotRunningUntilStartedAgain() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			redis.kill();
			assertThat(redis.isRunning()).isFalse();
			redis.startAgain();
			assertThat(redis.command("PING")).isEqualTo("PONG");
		}
	}

	@Test
	void errorRepliesAreThrown() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			assertThatExceptionOfType(RedisErrorReply.class)
				.isThrownBy(() -> redis.command("CONFIG", "SET", "notify-keyspace-events", "Q"))
				.withMessageContaining("ERR");
		}
	}

	@Test
	void invalidConfigurationFailsWithTheServerLog() {
		assertThatExceptionOfType(IllegalStateException.class)
			.isThrownBy(() -> RedisServerProcess.start("--no-such-option", "1"))
			.withMessageContaining("no-such-option");
	}

}
