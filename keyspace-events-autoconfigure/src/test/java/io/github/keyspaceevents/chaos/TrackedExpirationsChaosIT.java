package io.github.keyspaceevents.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.tracking.RedisTrackedExpirations;
import io.github.keyspaceevents.tracking.TrackingSettings;
import io.github.keyspaceevents.worker.WorkerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fault suite of tracked expirations, run by {@code ./mvnw verify -Pchaos}: real application processes (started
 * from this module's test classpath, killed with SIGKILL), a real Redis killed, restarted and cut off, and a second
 * Redis that records every handling. Each scenario adds a row to the table printed at the end (and written to
 * {@code target/chaos-report.md}): scheduled, handled once, twice, never, dead-lettered, and the worst lag.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrackedExpirationsChaosIT {

	private static final List<String> report = new ArrayList<>();

	private static RedisServerProcess results;

	private RedisServerProcess redis;

	private final List<WorkerProcess> workers = new ArrayList<>();

	private LettuceConnectionFactory connectionFactory;

	private RedisTrackedExpirations writer;

	@BeforeAll
	static void startResults() {
		results = RedisServerProcess.start();
	}

	@AfterAll
	static void printReport() throws IOException {
		results.close();
		List<String> table = new ArrayList<>();
		table.add("| scenario | scheduled | once | twice | never | dead-lettered | max lag |");
		table.add("|---|---|---|---|---|---|---|");
		table.addAll(report);
		String text = String.join("\n", table);
		System.out.println("\nTracked expirations under faults\n" + text);
		Files.writeString(Path.of("target", "chaos-report.md"), text + "\n");
	}

	@BeforeEach
	void startRedis() {
		this.redis = RedisServerProcess.start("--appendonly", "yes", "--appendfsync", "always");
		results.command("FLUSHALL");
		this.connectionFactory = new LettuceConnectionFactory("127.0.0.1", this.redis.port());
		this.connectionFactory.afterPropertiesSet();
		this.connectionFactory.start();
		// A writer-only client, as a web front end would be: it claims nothing.
		this.writer = new RedisTrackedExpirations(this.connectionFactory, new TrackingSettings("keyspace-events", 8,
				Duration.ofSeconds(30), 5, Duration.ofSeconds(1), Duration.ofMinutes(5), 500, Duration.ofSeconds(1),
				Duration.ZERO, Duration.ofDays(7)));
	}

	@AfterEach
	void stopEverything() {
		this.workers.forEach(WorkerProcess::kill);
		this.connectionFactory.destroy();
		this.redis.close();
	}

	@Test
	@Order(1)
	void threeProcessesOneKilledMidHandler() {
		for (int i = 0; i < 3; i++) {
			startWorker("w" + i, "order:*", 50, "keyspace-events.tracking.lease=3s");
		}
		schedule("order:", 600, Duration.ofMillis(500), Duration.ofSeconds(2));
		await().until(() -> handledKeys() >= 100);
		this.workers.get(0).kill();
		awaitAllHandled(600);
		row("3 processes, one killed (SIGKILL) mid-handler, lease 3 s", "order:", 600, true);
	}

	@Test
	@Order(2)
	void allProcessesDownPastTheDeadlines() {
		Instant last = schedule("order:", 500, Duration.ofMillis(200), Duration.ofMillis(500));
		await().until(() -> Instant.now().isAfter(last.plusSeconds(1)));
		startWorker("w0", "order:*", 0);
		startWorker("w1", "order:*", 0);
		awaitAllHandled(500);
		row("all processes down past every deadline, then 2 start", "order:", 500, false);
	}

	@Test
	@Order(3)
	void redisRestartedWithAof() {
		startWorker("w0", "order:*", 5);
		startWorker("w1", "order:*", 5);
		schedule("order:", 1000, Duration.ofMillis(500), Duration.ofSeconds(3));
		await().until(() -> handledKeys() >= 200);
		this.redis.stop();
		this.redis.startAgain();
		awaitAllHandled(1000);
		row("Redis shut down (AOF) and restarted mid-run, 2 processes", "order:", 1000, true);
	}

	@Test
	@Order(4)
	void clientKillStorm() {
		startWorker("w0", "order:*", 0);
		startWorker("w1", "order:*", 0);
		schedule("order:", 2000, Duration.ofMillis(500), Duration.ofSeconds(4));
		for (int storm = 1; storm <= 10; storm++) {
			int target = storm * 150;
			await().until(() -> handledKeys() >= target);
			this.redis.command("CLIENT", "KILL", "TYPE", "normal");
			this.redis.command("CLIENT", "KILL", "TYPE", "pubsub");
		}
		awaitAllHandled(2000);
		row("CLIENT KILL of every connection, 10 times, 2 processes", "order:", 2000, true);
	}

	@Test
	@Order(5)
	void twoApplicationsWithDifferentHandlers() {
		startWorker("a", "a:*", 0);
		startWorker("b", "b:*", 0);
		schedule("a:", 300, Duration.ofMillis(300), Duration.ofSeconds(1));
		schedule("b:", 300, Duration.ofMillis(300), Duration.ofSeconds(1));
		awaitAllHandled(600);
		row("2 applications, different handlers, one namespace", "a:", 300, false);
		row("(the second application's keys)", "b:", 300, false);
	}

	@Test
	@Order(6)
	void backlogOfAThousandWithSlowHandlersAtDefaultSettings() {
		schedule("order:", 1000, Duration.ZERO, Duration.ZERO);
		startWorker("w0", "order:*", 200);
		awaitAllHandled(1000, Duration.ofMinutes(5));
		row("1,000 due at once, 200 ms handler, 1 process, all defaults (lease 30 s)", "order:", 1000, false);
	}

	private Instant schedule(String prefix, int count, Duration firstIn, Duration spread) {
		Instant first = Instant.now().plus(firstIn);
		Instant last = first;
		for (int i = 0; i < count; i++) {
			last = first.plusMillis((count > 1) ? spread.toMillis() * i / (count - 1) : 0);
			this.writer.expireAt(prefix + i, Integer.toString(i), last);
		}
		return last;
	}

	private void awaitAllHandled(int count) {
		awaitAllHandled(count, Duration.ofMinutes(2));
	}

	private void awaitAllHandled(int count, Duration atMost) {
		await().atMost(atMost).pollInterval(Duration.ofMillis(200)).until(() -> handledKeys() >= count);
		// Anything still to come (a lapsed lease, a retry) would show within one lease of the last handling.
		await().atMost(atMost).until(() -> this.writer.backlog().scheduled() + this.writer.backlog().leased() == 0);
	}

	private long handledKeys() {
		return (Long) results.command("HLEN", "handled");
	}

	@SuppressWarnings("unchecked")
	private void row(String scenario, String prefix, int scheduled, boolean duplicatesAllowed) {
		List<String> flat = (List<String>) results.command("HGETALL", "handled");
		Map<String, Integer> handled = new java.util.HashMap<>();
		for (int i = 0; i + 1 < flat.size(); i += 2) {
			if (flat.get(i).startsWith(prefix)) {
				handled.put(flat.get(i), Integer.parseInt(flat.get(i + 1)));
			}
		}
		long once = handled.values().stream().filter((n) -> n == 1).count();
		long twice = handled.values().stream().filter((n) -> n >= 2).count();
		long never = scheduled - handled.size();
		long dead = this.writer.deadLetterCount();
		long maxLag = ((List<String>) results.command("LRANGE", "lags", "0", "-1")).stream()
			.mapToLong(Long::parseLong)
			.max()
			.orElse(0);
		report.add("| %s | %d | %d | %d | %d | %d | %d ms |".formatted(scenario, scheduled, once, twice, never, dead,
				maxLag));
		assertThat(never).as(scenario + ": never handled").isZero();
		assertThat(dead).as(scenario + ": dead-lettered").isZero();
		if (!duplicatesAllowed) {
			assertThat(twice).as(scenario + ": handled twice").isZero();
		}
	}

	private void startWorker(String id, String pattern, long sleepMillis, String... properties) {
		this.workers.add(WorkerProcess.start(id, this.redis, results, pattern, sleepMillis, properties));
	}

}
