package io.github.keyspaceevents.sample.shop;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.keyspaceevents.launcher.RedisServerProcess;
import org.junit.jupiter.api.Test;

import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The build packages the shop as an executable jar that {@code java -jar} runs, as the README says.
 */
class ExecutableJarIT {

	@Test
	@SuppressWarnings("unchecked")
	void theJarRunsTheShopWithItsRedisAndPortFromTheCommandLine() throws Exception {
		Path jar;
		try (Stream<Path> files = Files.list(Path.of("target"))) {
			jar = files.filter((file) -> file.getFileName().toString().matches("sample-shop-app-.*\\.jar"))
				.filter((file) -> !file.getFileName().toString().endsWith("-plain.jar"))
				.findFirst()
				.orElseThrow(() -> new IllegalStateException("No sample-shop-app jar in target/"));
		}
		int port = freePort();
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			Process shop = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
					jar.toString(), "--server.port=" + port, "--spring.data.redis.host=127.0.0.1",
					"--spring.data.redis.port=" + redis.port(), "--shop.payment-window=30s",
					"--spring.datasource.url=jdbc:h2:mem:jar")
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.to(new File("target/executable-jar.log")))
				.start();
			try {
				RestClient http = RestClient.create("http://127.0.0.1:" + port);
				await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> assertThat(
						http.get().uri("/api/products").retrieve().body(List.class)).isNotEmpty());
			}
			finally {
				shop.destroy();
				shop.waitFor(30, TimeUnit.SECONDS);
			}
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
