package io.github.keyspaceevents.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's table of properties says what the code does: the same properties as the generated configuration
 * metadata, with the same defaults.
 */
class ReadmePropertiesTests {

	private static final Pattern ROW = Pattern.compile("^\\| `(keyspace-events\\.[a-z.-]+)` \\| *([^|]*?) *\\|");

	@Test
	void readmeListsEveryPropertyWithItsDefault() throws IOException {
		Map<String, String> readme = new LinkedHashMap<>();
		for (String line : Files.readAllLines(Path.of("..", "README.md"))) {
			Matcher row = ROW.matcher(line);
			if (row.find()) {
				readme.put(row.group(1), row.group(2).trim().replace("`", ""));
			}
		}
		String json;
		try (InputStream metadata = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			json = new String(metadata.readAllBytes(), StandardCharsets.UTF_8);
		}
		List<Map<String, Object>> properties = JsonPath.read(json, "$.properties[?(@.name =~ /keyspace-events\\..*/)]");
		Map<String, String> defaults = new LinkedHashMap<>();
		for (Map<String, Object> property : properties) {
			Object value = property.get("defaultValue");
			defaults.put((String) property.get("name"), (value != null) ? String.valueOf(value) : null);
		}
		assertThat(readme.keySet()).containsExactlyInAnyOrderElementsOf(defaults.keySet());
		defaults.forEach((name, value) -> {
			if (value != null && !value.isEmpty()) {
				assertThat(readme.get(name)).as(name).isEqualTo(value);
			}
		});
	}

}
