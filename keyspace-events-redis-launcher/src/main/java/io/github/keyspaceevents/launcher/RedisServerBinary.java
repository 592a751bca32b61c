package io.github.keyspaceevents.launcher;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds a {@code redis-server} executable: the {@value #ENVIRONMENT_VARIABLE} environment variable (or the
 * {@value #SYSTEM_PROPERTY} system property), then {@code PATH}, then a binary bundled in the
 * {@code com.github.codemonstur:embedded-redis} jar from Maven Central, so that a machine with only a JDK can run the
 * tests.
 */
public final class RedisServerBinary {

	/** Environment variable naming the redis-server executable to use. */
	public static final String ENVIRONMENT_VARIABLE = "REDIS_SERVER_BINARY";

	/** System property naming the redis-server executable to use; wins over the environment variable. */
	public static final String SYSTEM_PROPERTY = "redis-server.binary";

	private static volatile Path resolved;

	private RedisServerBinary() {
	}

	/**
	 * Return the executable to start, resolving it once per JVM.
	 * @return the path of a runnable redis-server
	 */
	public static Path resolve() {
		Path path = resolved;
		if (path == null) {
			synchronized (RedisServerBinary.class) {
				path = resolved;
				if (path == null) {
					path = configured().or(RedisServerBinary::onPath).orElseGet(RedisServerBinary::extractBundled);
					resolved = path;
				}
			}
		}
		return path;
	}

	private static Optional<Path> configured() {
		String value = System.getProperty(SYSTEM_PROPERTY, System.getenv(ENVIRONMENT_VARIABLE));
		if (value == null || value.isBlank()) {
			return Optional.empty();
		}
		Path path = Path.of(value);
		if (!Files.isExecutable(path)) {
			throw new IllegalStateException(
					"%s/%s points at '%s', which is not an executable file".formatted(ENVIRONMENT_VARIABLE, SYSTEM_PROPERTY, value));
		}
		return Optional.of(path);
	}

	private static Optional<Path> onPath() {
		String pathVariable = System.getenv("PATH");
		if (pathVariable == null) {
			return Optional.empty();
		}
		for (String directory : pathVariable.split(File.pathSeparator)) {
			if (!directory.isEmpty()) {
				Path candidate = Path.of(directory, "redis-server");
				if (Files.isExecutable(candidate)) {
					return Optional.of(candidate);
				}
			}
		}
		return Optional.empty();
	}

	static Path extractBundled() {
		String resource = bundledResourceName();
		try (InputStream in = RedisServerBinary.class.getResourceAsStream("/" + resource)) {
			if (in == null) {
				throw new IllegalStateException("No redis-server found: set " + ENVIRONMENT_VARIABLE
						+ ", put redis-server on PATH, or add com.github.codemonstur:embedded-redis to the classpath");
			}
			Path target = Files.createTempDirectory("redis-server-binary").resolve(resource);
			Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
			if (!target.toFile().setExecutable(true)) {
				throw new IllegalStateException("Cannot make " + target + " executable");
			}
			target.toFile().deleteOnExit();
			target.getParent().toFile().deleteOnExit();
			return target;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot extract the bundled redis-server", ex);
		}
	}

	// Names of the binaries inside embedded-redis 1.4.x (Redis 6.2).
	private static String bundledResourceName() {
		String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
		String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
		boolean arm = arch.contains("aarch64") || arch.contains("arm64");
		if (os.contains("mac")) {
			return arm ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
		}
		if (os.contains("linux")) {
			return arm ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.6-v5-linux-amd64";
		}
		throw new IllegalStateException("No bundled redis-server for " + os + "/" + arch + "; set " + ENVIRONMENT_VARIABLE);
	}

}
