package io.github.keyspaceevents.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the annotation processors write goes into the jar, whichever JDK built it (from JDK 23 on, javac runs only
 * the processors it is given): the configuration metadata IDEs complete properties from, and the auto-configuration
 * metadata Boot filters with before loading a class.
 */
class BuildMetadataTests {

	@Test
	void configurationMetadataDescribesTheProperties() throws IOException {
		String json = resource("META-INF/spring-configuration-metadata.json");
		assertThat(json).contains("\"name\": \"keyspace-events.tracking.allow-eviction\"")
			.contains("\"name\": \"keyspace-events.dispatch.concurrency\"");
	}

	@Test
	void autoConfigurationMetadataListsTheConditionsOfEachAutoConfiguration() throws IOException {
		Properties metadata = new Properties();
		metadata.load(new java.io.StringReader(resource("META-INF/spring-autoconfigure-metadata.properties")));
		assertThat(metadata).containsKey(KeyspaceEventsAutoConfiguration.class.getName())
			.containsKey(KeyspaceEventsAutoConfiguration.class.getName() + ".ConditionalOnClass");
	}

	private String resource(String name) throws IOException {
		try (InputStream in = getClass().getClassLoader().getResourceAsStream(name)) {
			assertThat(in).as(name + " in the module's classes").isNotNull();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

}
