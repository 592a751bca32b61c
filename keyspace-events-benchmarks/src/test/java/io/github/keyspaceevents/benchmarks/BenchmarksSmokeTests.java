package io.github.keyspaceevents.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs every workload at a tiny scale: the harness works and writes its table. No timing is asserted.
 */
class BenchmarksSmokeTests {

	@Test
	void runsEveryWorkloadAndWritesTheTable(@TempDir Path output) throws Exception {
		new Benchmarks(0.005, 1).run(output);
		String table = Files.readString(output.resolve("benchmark-results.md"));
		assertThat(table).contains("| dispatch: 1000 del events").contains("keyspace-events starter (defaults)")
			.contains("keyspace-events starter, order:{id} as a long key variable")
			.contains("x raw Lettuce")
			.contains("all 500 handled")
			.contains("x Redisson offerAsync")
			.contains("Redisson RDelayedQueue + RBlockingQueue consumer")
			.contains("| sizes: 5000 keys due over 250 ms, 20 per ms")
			.contains("µs per key")
			// Redis memory by structure, for both libraries.
			.containsPattern("tracked keys \\d+ B").containsPattern("due \\d+ B")
			.containsPattern("redisson_delay_queue_timeout \\d+ B")
			.doesNotContain("only ");
		// Header; dispatch and mixed (4 each), scheduling (5), two lag workloads (5 each), slow handlers (2 + 2); sizes:
		// scheduling and lag (2 each per size).
		assertThat(Files.readAllLines(output.resolve("benchmark-results.csv")))
			.hasSize(1 + 4 + 4 + 5 + 5 + 5 + 2 + 2 + 6 + 6);
	}

}
