package io.github.keyspaceevents.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.tracking.RedisTrackedExpirations;
import io.github.keyspaceevents.tracking.TrackingSettings;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker application without a web server, built as the Quick start shows, keeps running and handling events, and
 * still exits when it is told to stop.
 */
class WorkerApplicationTests {

	@Test
	void aWorkerWithoutAWebServerStillHandlesEventsTenSecondsAfterStartAndExitsOnSigterm() throws Exception {
		try (RedisServerProcess redis = RedisServerProcess.start(); RedisServerProcess results = RedisServerProcess.start()) {
			WorkerProcess worker = WorkerProcess.start("keep-alive", redis, results, "order:*", 0);
			Instant started = Instant.now();
			LettuceConnectionFactory connectionFactory = new LettuceConnectionFactory("127.0.0.1", redis.port());
			connectionFactory.afterPropertiesSet();
			connectionFactory.start();
			try {
				RedisTrackedExpirations tracked = new RedisTrackedExpirations(connectionFactory,
						new TrackingSettings("keyspace-events", 8, Duration.ofSeconds(30), 5, Duration.ofSeconds(1),
								Duration.ofMinutes(5), 500, Duration.ofSeconds(1), Duration.ZERO, Duration.ofDays(7)));
				tracked.expireAfter("order:later", "v", Duration.ofSeconds(10));
				await().atMost(Duration.ofSeconds(30))
					.until(() -> Long.valueOf(1).equals(results.command("HEXISTS", "handled", "order:later")));
				assertThat(Duration.between(started, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(10));
				assertThat(worker.process().isAlive()).isTrue();
			}
			finally {
				connectionFactory.destroy();
			}
			worker.process().destroy();
			assertThat(worker.process().waitFor(30, TimeUnit.SECONDS)).as("exits on SIGTERM").isTrue();
			assertThat(results.command("HGET", "handled", "order:later")).isEqualTo("1");
		}
	}

}
