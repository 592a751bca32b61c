package io.github.keyspaceevents.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real {@code redis-server} process on a free loopback port, which can be stopped, killed and restarted on the same
 * port with the same configuration and data directory (so an AOF survives a restart).
 *
 * <pre class="code">
 * try (RedisServerProcess redis = RedisServerProcess.start("--maxmemory", "2mb")) {
 *     redis.command("CONFIG", "SET", "notify-keyspace-events", "Kl");
 *     redis.restart();
 * }
 * </pre>
 */
public final class RedisServerProcess implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(RedisServerProcess.class);

	private static final String HOST = "127.0.0.1";

	private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);

	// Servers still running when the JVM exits (a test run interrupted, a benchmark stopped) are stopped with it.
	private static final Set<Process> running = ConcurrentHashMap.newKeySet();

	static {
		Runtime.getRuntime()
			.addShutdownHook(new Thread(() -> running.forEach(Process::destroyForcibly), "redis-server-cleanup"));
	}

	private final Path binary;

	private final Path directory;

	private final List<String> leadingArguments;

	private final List<String> arguments;

	private final int port;

	private Process process;

	private RedisServerProcess(Path binary, Path directory, List<String> arguments, int port) {
		this(binary, directory, List.of(), arguments, port);
	}

	private RedisServerProcess(Path binary, Path directory, List<String> leadingArguments, List<String> arguments,
			int port) {
		this.binary = binary;
		this.directory = directory;
		this.leadingArguments = leadingArguments;
		this.arguments = arguments;
		this.port = port;
	}

	/**
	 * Start a Sentinel (redis-server in sentinel mode) monitoring one master, with a quorum of 1.
	 * @param masterName the name clients ask the Sentinel for
	 * @param master the master to monitor
	 * @return the running Sentinel
	 */
	public static RedisServerProcess startSentinel(String masterName, RedisServerProcess master) {
		Path directory = createDirectory();
		Path config = directory.resolve("sentinel.conf");
		try {
			// Sentinel rewrites its configuration file, so it must be a writable file of its own.
			Files.writeString(config, "sentinel monitor %s %s %d 1%n".formatted(masterName, master.host(),
					master.port()));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		RedisServerProcess sentinel = new RedisServerProcess(RedisServerBinary.resolve(), directory,
				List.of(config.toString(), "--sentinel"), List.of(), freePort());
		sentinel.launch();
		return sentinel;
	}

	/**
	 * Start a server on a free port. Persistence is off unless the arguments turn it on.
	 * @param arguments extra command-line configuration, e.g. {@code "--appendonly", "yes"}
	 * @return the running server
	 */
	public static RedisServerProcess start(String... arguments) {
		Path binary = RedisServerBinary.resolve();
		IllegalStateException failure = null;
		// A free port can be taken between probing it and redis-server binding it; try a few.
		for (int attempt = 0; attempt < 5; attempt++) {
			RedisServerProcess server = new RedisServerProcess(binary, createDirectory(), List.of(arguments), freePort());
			try {
				server.launch();
				return server;
			}
			catch (IllegalStateException ex) {
				server.deleteDirectory();
				failure = ex;
			}
		}
		throw failure;
	}

	/**
	 * Start a server on the given port.
	 * @param port the port to bind on loopback
	 * @param arguments extra command-line configuration
	 * @return the running server
	 */
	public static RedisServerProcess startOnPort(int port, String... arguments) {
		RedisServerProcess server = new RedisServerProcess(RedisServerBinary.resolve(), createDirectory(),
				List.of(arguments), port);
		server.launch();
		return server;
	}

	/** @return the loopback address the server listens on */
	public String host() {
		return HOST;
	}

	/** @return the port the server listens on */
	public int port() {
		return this.port;
	}

	/** @return the operating-system process id of the running server */
	public long pid() {
		return requireProcess().pid();
	}

	/** @return the server's working directory (AOF and RDB files, log) */
	public Path directory() {
		return this.directory;
	}

	/** @return whether the server process is alive */
	public synchronized boolean isRunning() {
		return this.process != null && this.process.isAlive();
	}

	/**
	 * Send one command on a fresh connection and return the reply: a {@code String}, {@code Long}, {@code List} or
	 * {@code null}; an error reply is thrown as {@link RedisErrorReply}.
	 * @param command the command and its arguments
	 * @return the reply
	 */
	public Object command(String... command) {
		try (RespConnection connection = new RespConnection(HOST, this.port, 5000)) {
			return connection.command(command);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Redis on port " + this.port + " did not answer " + command[0], ex);
		}
	}

	/**
	 * Send one command to the given database (SELECT first, on the same connection).
	 * @param database the database index
	 * @param command the command and its arguments
	 * @return the reply
	 */
	public Object command(int database, String... command) {
		try (RespConnection connection = new RespConnection(HOST, this.port, 5000)) {
			connection.command("SELECT", Integer.toString(database));
			return connection.command(command);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Redis on port " + this.port + " did not answer " + command[0], ex);
		}
	}

	/** Stop the server gracefully (SIGTERM) and wait until it has exited. */
	public synchronized void stop() {
		if (this.process != null) {
			this.process.destroy();
			awaitExit();
		}
	}

	/** Kill the server (SIGKILL), as a crash would, and wait until it has exited. */
	public synchronized void kill() {
		if (this.process != null) {
			this.process.destroyForcibly();
			awaitExit();
		}
	}

	/**
	 * Suspend the server (SIGSTOP): it keeps its connections open but answers nothing, as a hung server does, until
	 * {@link #resume()}.
	 */
	public void suspend() {
		signal("-STOP");
	}

	/** Resume a server {@link #suspend() suspended} before. */
	public void resume() {
		signal("-CONT");
	}

	private void signal(String signal) {
		try {
			Process kill = new ProcessBuilder("kill", signal, Long.toString(pid())).start();
			if (kill.waitFor() != 0) {
				throw new IllegalStateException("kill " + signal + " " + pid() + " failed");
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** Stop the server, then start it again on the same port, configuration and directory. */
	public synchronized void restart() {
		stop();
		launch();
	}

	/** Start the server again after {@link #stop()} or {@link #kill()}. */
	public synchronized void startAgain() {
		if (isRunning()) {
			throw new IllegalStateException("redis-server on port " + this.port + " is already running");
		}
		launch();
	}

	@Override
	public synchronized void close() {
		kill();
		deleteDirectory();
	}

	private synchronized void launch() {
		List<String> commandLine = new ArrayList<>();
		commandLine.add(this.binary.toString());
		commandLine.addAll(this.leadingArguments);
		commandLine.addAll(List.of("--port", Integer.toString(this.port), "--bind", HOST, "--dir",
				this.directory.toString(), "--logfile", "redis.log", "--save", "", "--appendonly", "no",
				"--daemonize", "no", "--protected-mode", "no"));
		commandLine.addAll(this.arguments);
		try {
			this.process = new ProcessBuilder(commandLine).directory(this.directory.toFile())
				.redirectErrorStream(true)
				.redirectOutput(this.directory.resolve("stdout.log").toFile())
				.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start " + this.binary, ex);
		}
		running.add(this.process);
		awaitReady();
		logger.debug("redis-server {} started on port {} (pid {})", this.binary, this.port, this.process.pid());
	}

	private void awaitReady() {
		long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException(
						"redis-server exited with " + this.process.exitValue() + " on port " + this.port + ": " + log());
			}
			try (RespConnection connection = new RespConnection(HOST, this.port, 1000)) {
				if ("PONG".equals(connection.command("PING"))) {
					return;
				}
			}
			catch (IOException | RedisErrorReply ex) {
				// not listening yet, or still loading its data set
			}
			pause();
		}
		this.process.destroyForcibly();
		throw new IllegalStateException("redis-server did not answer PING on port " + this.port + " within "
				+ STARTUP_TIMEOUT.toSeconds() + "s: " + log());
	}

	private static void pause() {
		try {
			Thread.sleep(20);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for redis-server", ex);
		}
	}

	private void awaitExit() {
		running.remove(this.process);
		try {
			if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private Process requireProcess() {
		if (this.process == null) {
			throw new IllegalStateException("redis-server was never started");
		}
		return this.process;
	}

	private String log() {
		try {
			Path log = this.directory.resolve("redis.log");
			Path stdout = this.directory.resolve("stdout.log");
			String text = (Files.exists(stdout) ? Files.readString(stdout) : "")
					+ (Files.exists(log) ? Files.readString(log) : "");
			return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
		}
		catch (IOException ex) {
			return "(no log: " + ex.getMessage() + ")";
		}
	}

	private void deleteDirectory() {
		try (Stream<Path> paths = Files.walk(this.directory)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException ex) {
			logger.debug("Could not delete {}", this.directory, ex);
		}
	}

	private static Path createDirectory() {
		try {
			return Files.createTempDirectory("redis-server-");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Find a free port whose cluster bus port (port + 10000) is free too.
	 * @return the port
	 */
	static int freeClusterPort() {
		for (int attempt = 0; attempt < 100; attempt++) {
			int port = 20000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(25000);
			if (isFree(port) && isFree(port + 10000)) {
				return port;
			}
		}
		throw new IllegalStateException("No free port pair for a cluster node");
	}

	private static boolean isFree(int port) {
		try (ServerSocket socket = new ServerSocket(port)) {
			socket.setReuseAddress(true);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("No free port", ex);
		}
	}

}
