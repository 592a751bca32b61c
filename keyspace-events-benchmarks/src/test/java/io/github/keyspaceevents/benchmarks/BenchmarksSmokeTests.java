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
			.contains("x raw Lettuce")
			.contains("all 500 handled")
			.doesNotContain("only ");
		assertThat(Files.readAllLines(output.resolve("benchmark-results.csv"))).hasSize(1 + 3 + 3 + 4 + 4 + 2 + 1);
	}

}
