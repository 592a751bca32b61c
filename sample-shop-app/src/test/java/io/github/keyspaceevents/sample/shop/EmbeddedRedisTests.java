package io.github.keyspaceevents.sample.shop;

import java.io.IOException;
import java.net.ServerSocket;

import io.github.keyspaceevents.launcher.RedisServerProcess;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shop runs on a machine with only a JDK: without a configured or running Redis it starts one.
 */
class EmbeddedRedisTests {

	@Test
	void startsARedisWhenNoneIsConfiguredOrRunning() throws IOException {
		EmbeddedRedis embeddedRedis = new EmbeddedRedis(closedPort());
		MockEnvironment environment = new MockEnvironment();
		embeddedRedis.postProcessEnvironment(environment, new SpringApplication());
		try (RedisServerProcess started = embeddedRedis.started()) {
			assertThat(started).isNotNull();
			assertThat(environment.getProperty("spring.data.redis.port", Integer.class)).isEqualTo(started.port());
			assertThat(started.command("PING")).isEqualTo("PONG");
		}
	}

	@Test
	void usesTheConfiguredRedis() throws IOException {
		EmbeddedRedis embeddedRedis = new EmbeddedRedis(closedPort());
		MockEnvironment environment = new MockEnvironment().withProperty("spring.data.redis.host", "redis.internal");
		embeddedRedis.postProcessEnvironment(environment, new SpringApplication());
		assertThat(embeddedRedis.started()).isNull();
		assertThat(environment.getProperty("spring.data.redis.port")).isNull();
	}

	@Test
	void usesARedisThatAnswersOnTheDefaultPort() {
		try (RedisServerProcess running = RedisServerProcess.start()) {
			EmbeddedRedis embeddedRedis = new EmbeddedRedis(running.port());
			MockEnvironment environment = new MockEnvironment();
			embeddedRedis.postProcessEnvironment(environment, new SpringApplication());
			assertThat(embeddedRedis.started()).isNull();
		}
	}

	private static int closedPort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
