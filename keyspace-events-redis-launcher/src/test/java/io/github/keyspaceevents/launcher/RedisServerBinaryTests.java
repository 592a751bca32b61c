package io.github.keyspaceevents.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedisServerBinaryTests {

	@Test
	void bundledBinaryFromMavenCentralRunsWhereNoRedisIsInstalled() throws IOException, InterruptedException {
		Path binary = RedisServerBinary.extractBundled();
		assertThat(Files.isExecutable(binary)).isTrue();
		Process process = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor()).isZero();
		assertThat(output).startsWith("Redis server v=6.2");
	}

}
