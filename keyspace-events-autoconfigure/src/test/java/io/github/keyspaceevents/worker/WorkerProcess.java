package io.github.keyspaceevents.worker;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.github.keyspaceevents.launcher.RedisServerProcess;

import static org.awaitility.Awaitility.await;

/**
 * A {@link WorkerApplication} running in a JVM of its own, started from this module's test classpath, so that it can
 * be killed with SIGKILL or stopped with SIGTERM.
 */
public final class WorkerProcess {

	private final Process process;

	private WorkerProcess(Process process) {
		this.process = process;
	}

	/**
	 * Start a worker and wait until it is ready.
	 * @param id names the worker (and its log, {@code target/worker-<id>.log})
	 * @param redis the Redis under test
	 * @param results the Redis that records handlings
	 * @param pattern the key pattern its handler takes
	 * @param sleepMillis how long its handler takes
	 * @param properties more properties, {@code name=value}
	 * @return the running worker
	 */
	public static WorkerProcess start(String id, RedisServerProcess redis, RedisServerProcess results, String pattern,
			long sleepMillis, String... properties) {
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-cp", System.getProperty("java.class.path"), WorkerApplication.class.getName(),
				"--spring.data.redis.host=127.0.0.1", "--spring.data.redis.port=" + redis.port(),
				"--spring.data.redis.timeout=2s", "--worker.results-port=" + results.port(), "--worker.id=" + id,
				"--worker.pattern=" + pattern, "--worker.sleep-millis=" + sleepMillis, "--spring.main.banner-mode=off",
				"--keyspace-events.retry.max-interval=500ms"));
		for (String property : properties) {
			command.add("--" + property);
		}
		try {
			File log = Path.of("target", "worker-" + id + ".log").toFile();
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(log))
				.start();
			await().atMost(Duration.ofSeconds(60))
				.until(() -> Long.valueOf(1).equals(results.command("EXISTS", "ready:" + id)) || !process.isAlive());
			return new WorkerProcess(process);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start worker " + id, ex);
		}
	}

	public Process process() {
		return this.process;
	}

	/** Kill -9: no shutdown hook runs. */
	public void kill() {
		this.process.destroyForcibly();
	}

}
