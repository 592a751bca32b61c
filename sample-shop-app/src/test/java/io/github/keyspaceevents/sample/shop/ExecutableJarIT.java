package io.github.keyspaceevents.sample.shop;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.keyspaceevents.launcher.RedisServerProcess;
import org.junit.jupiter.api.Test;

import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The build packages the shop as an executable jar that {@code java -jar} runs, as the README says, also in AOT mode.
 */
class ExecutableJarIT {

	@Test
	@SuppressWarnings("unchecked")
	void theJarRunsTheShopWithItsRedisAndPortFromTheCommandLine() throws Exception {
		int port = freePort();
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			Process shop = launch(port, redis, "30s", "executable-jar");
			try {
				RestClient http = RestClient.create("http://127.0.0.1:" + port);
				await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> assertThat(
						http.get().uri("/api/products").retrieve().body(List.class)).isNotEmpty());
			}
			finally {
				stop(shop);
			}
		}
	}

	// The build ran Spring's ahead-of-time processing (spring-boot:process-aot): the jar runs on the generated bean
	// definitions and the handler is found and invoked without runtime annotation scanning of the configuration.
	@Test
	@SuppressWarnings("unchecked")
	void inAotModeAnUnpaidOrderStillExpiresAndGivesItsStockBack() throws Exception {
		int port = freePort();
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			Process shop = launch(port, redis, "2s", "aot-mode", "-Dspring.aot.enabled=true");
			try {
				RestClient http = RestClient.create("http://127.0.0.1:" + port);
				await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> assertThat(
						http.get().uri("/api/products").retrieve().body(List.class)).isNotEmpty());
				assertThat(Files.readString(Path.of("target/aot-mode.log"))).contains("AOT-processed");
				Map<String, Object> order = http.post()
					.uri("/api/orders")
					.contentType(MediaType.APPLICATION_JSON)
					.body(Map.of("items", List.of(Map.of("sku", "CAP-01", "quantity", 4))))
					.retrieve()
					.body(Map.class);
				assertThat(stock(http, "CAP-01")).isEqualTo(6);
				await().atMost(Duration.ofSeconds(30))
					.until(() -> "CANCELLED".equals(http.get().uri("/api/orders/{id}", order.get("id"))
						.retrieve()
						.body(Map.class)
						.get("status")));
				assertThat(stock(http, "CAP-01")).isEqualTo(10);
			}
			finally {
				stop(shop);
			}
		}
	}

	@SuppressWarnings("unchecked")
	private static int stock(RestClient http, String sku) {
		List<Map<String, Object>> products = http.get().uri("/api/products").retrieve().body(List.class);
		return products.stream()
			.filter((product) -> sku.equals(product.get("sku")))
			.map((product) -> ((Number) product.get("stock")).intValue())
			.findFirst()
			.orElseThrow();
	}

	private static Process launch(int port, RedisServerProcess redis, String paymentWindow, String name,
			String... jvmArguments) throws IOException {
		Path jar;
		try (Stream<Path> files = Files.list(Path.of("target"))) {
			jar = files.filter((file) -> file.getFileName().toString().matches("sample-shop-app-.*\\.jar"))
				.filter((file) -> !file.getFileName().toString().matches(".*-(plain|sources|javadoc)\\.jar"))
				.findFirst()
				.orElseThrow(() -> new IllegalStateException("No sample-shop-app jar in target/"));
		}
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(List.of(jvmArguments));
		command.addAll(List.of("-jar", jar.toString(), "--server.port=" + port, "--spring.data.redis.host=127.0.0.1",
				"--spring.data.redis.port=" + redis.port(), "--shop.payment-window=" + paymentWindow,
				"--spring.datasource.url=jdbc:h2:mem:" + name));
		return new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.to(new File("target/" + name + ".log")))
			.start();
	}

	private static void stop(Process shop) throws InterruptedException {
		shop.destroy();
		shop.waitFor(30, TimeUnit.SECONDS);
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
