package io.github.keyspaceevents.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The result table, printed as it fills and written as Markdown and CSV at the end.
 */
final class Report {

	private final List<String[]> rows = new ArrayList<>();

	private final String machine;

	Report(String machine) {
		this.machine = machine;
		System.out.println(machine);
	}

	void add(String workload, String contender, String result, String comparison) {
		String[] row = { workload, contender, result, comparison };
		this.rows.add(row);
		System.out.println(String.join(" | ", row));
	}

	void write(Path directory) throws IOException {
		Files.createDirectories(directory);
		StringBuilder markdown = new StringBuilder(this.machine).append("\n\n");
		markdown.append("| Workload | Contender | Result | Comparison |\n|---|---|---|---|\n");
		StringBuilder csv = new StringBuilder("workload,contender,result,comparison\n");
		for (String[] row : this.rows) {
			markdown.append("| ").append(String.join(" | ", row)).append(" |\n");
			csv.append(String.join(",", quoted(row))).append('\n');
		}
		Files.writeString(directory.resolve("benchmark-results.md"), markdown);
		Files.writeString(directory.resolve("benchmark-results.csv"), csv);
		System.out.println();
		System.out.println(markdown);
		System.out.println("Written to " + directory.resolve("benchmark-results.md") + " and .csv");
	}

	private static List<String> quoted(String[] row) {
		List<String> cells = new ArrayList<>();
		for (String cell : row) {
			cells.add('"' + cell.replace("\"", "\"\"") + '"');
		}
		return cells;
	}

}
