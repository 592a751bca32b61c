package io.github.keyspaceevents.notification;

import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Makes the server's {@code notify-keyspace-events} cover the letters the handlers need, according to the
 * {@link NotificationMode}. Each {@link #check()} reads the value, merges what is missing when allowed, reads it back,
 * and logs only when the outcome differs from the previous check (so a periodic check is quiet).
 */
public final class ServerNotifications {

	static final String PARAMETER = "notify-keyspace-events";

	/** A cluster node's outcome while the client has no connection to it (Jedis, for a node it has not met). */
	public static final String NOT_REACHABLE = "NOT_REACHABLE (the Redis client has no connection to this node yet)";

	private static final String HIDDEN_NEW_KEY_LETTER = "Redis cannot show 'n' next to 'A' in CONFIG GET, so whether "
			+ "'new' events are published cannot be verified";

	private static final Log logger = LogFactory.getLog(ServerNotifications.class);

	private final RedisConnectionFactory connectionFactory;

	private final NotificationFlags required;

	private final NotificationFlags extra;

	private volatile NotificationMode mode;

	// Nodes that refused CONFIG SET outright (renamed, ACL): verified only, each on its own.
	private final Map<String, String> refusingNodes = new ConcurrentHashMap<>();

	// What a node read back right after this starter wrote 'n' next to 'A' (which Redis cannot show): the same
	// read-back later still holds it. Forgotten on reconnect, since a restarted Redis may have lost it.
	private final Map<String, NotificationFlags> hiddenNewKeyLetterWritten = new ConcurrentHashMap<>();

	private volatile @Nullable Status lastStatus;

	public ServerNotifications(RedisConnectionFactory connectionFactory, NotificationMode mode, NotificationFlags handlers,
			NotificationFlags extra) {
		this.connectionFactory = connectionFactory;
		this.mode = mode;
		this.required = handlers.with(extra);
		this.extra = extra.without(handlers);
	}

	/** Forget what was written to the servers: after a reconnect, a restarted Redis may have lost it. */
	public void forgetWrites() {
		this.hiddenNewKeyLetterWritten.clear();
	}

	public NotificationFlags required() {
		return this.required;
	}

	public @Nullable Status lastStatus() {
		return this.lastStatus;
	}

	/**
	 * Read, merge if needed and allowed, and verify.
	 * @return the outcome
	 * @throws RedisConnectionFailureException if Redis cannot be reached
	 */
	public Status check() {
		if (this.mode == NotificationMode.OFF) {
			return record(new Status(Outcome.NOT_MANAGED, null, NotificationFlags.none(), null));
		}
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			if (connection instanceof RedisClusterConnection cluster) {
				return record(checkCluster(cluster));
			}
			return record(checkNode("", () -> read(connection),
					(value) -> connection.serverCommands().setConfig(PARAMETER, value),
					() -> connection.serverCommands().info("server")));
		}
	}

	// Every node, replicas too, so that a promoted replica already publishes what the handlers need.
	private Status checkCluster(RedisClusterConnection cluster) {
		Status worst = null;
		Map<String, String> nodes = new TreeMap<>();
		for (RedisClusterNode node : cluster.clusterGetNodes()) {
			if (node.getFlags().contains(RedisClusterNode.Flag.FAIL) || !node.isConnected()) {
				continue;
			}
			Status status;
			try {
				status = checkNode(node.getHost() + ":" + node.getPort(), () -> readNode(cluster, node),
						(value) -> cluster.serverCommands().setConfig(node, PARAMETER, value),
						() -> cluster.serverCommands().info(node, "server"));
			}
			catch (DataAccessResourceFailureException ex) {
				if (ex instanceof RedisConnectionFailureException) {
					throw ex;
				}
				// Jedis' cluster client reaches only the nodes it has met: not always replicas, and a master added by
				// resharding only after its first redirect there. Checked again at the next check.
				nodes.put(node.getHost() + ":" + node.getPort(), NOT_REACHABLE);
				status = new Status(Outcome.UNVERIFIABLE, null, this.required, "the Redis client has no connection "
						+ "to cluster node " + node.getHost() + ":" + node.getPort() + " yet");
				if (!node.isMaster()) {
					continue;
				}
			}
			nodes.putIfAbsent(node.getHost() + ":" + node.getPort(), status.outcome().name()
					+ (status.missing().isEmpty() ? "" : " (lacks '" + status.missing().letters() + "')"));
			if (worst == null || status.outcome().ordinal() > worst.outcome().ordinal()) {
				worst = status;
			}
		}
		if (worst == null) {
			return new Status(Outcome.UNVERIFIABLE, null, this.required, "no connected node");
		}
		return new Status(worst.outcome(), worst.server(), worst.missing(), worst.reason(), Map.copyOf(nodes));
	}

	private static NotificationFlags readNode(RedisClusterConnection cluster, RedisClusterNode node) {
		return flagsOf(cluster.serverCommands().getConfig(node, PARAMETER));
	}

	private Status checkNode(String node, Supplier<NotificationFlags> reader, Consumer<String> writer,
			Supplier<@Nullable Properties> serverInfo) {
		NotificationFlags server;
		try {
			server = reader.get();
		}
		catch (RedisConnectionFailureException ex) {
			throw ex;
		}
		catch (DataAccessException ex) {
			if (!isRefusal(ex)) {
				throw ex;
			}
			return new Status(Outcome.UNVERIFIABLE, null, this.required,
					NestedExceptionUtils.getMostSpecificCause(ex).getMessage());
		}
		NotificationFlags missing = this.required.without(server);
		if (missing.isEmpty() || server.equals(this.hiddenNewKeyLetterWritten.get(node))) {
			return new Status(Outcome.COVERED, server, NotificationFlags.none(), null);
		}
		String refusal = this.refusingNodes.get(node);
		if (refusal != null) {
			return new Status(Outcome.MISSING, server, missing, refusal);
		}
		if (this.mode == NotificationMode.VERIFY) {
			if (server.onlyHiddenNewKeyLetterMissing(missing)) {
				return new Status(Outcome.UNVERIFIABLE, server, missing, HIDDEN_NEW_KEY_LETTER);
			}
			return new Status(Outcome.MISSING, server, missing, null);
		}
		NotificationFlags merged = server.with(this.required);
		String extraRefused = null;
		try {
			writer.accept(merged.letters());
		}
		catch (RedisConnectionFailureException ex) {
			throw ex;
		}
		catch (DataAccessException ex) {
			String reason = NestedExceptionUtils.getMostSpecificCause(ex).getMessage();
			if (isInvalidValue(ex) && !this.extra.isEmpty()) {
				// Letters this server version does not know, from extra-flags: apply what the handlers need alone.
				extraRefused = "Redis %s refuses '%s' from keyspace-events.notifications.extra-flags (%s)"
					.formatted(version(serverInfo), this.extra, reason);
				try {
					writer.accept(server.with(this.required.without(this.extra)).letters());
				}
				catch (DataAccessException again) {
					return refused(node, server, missing, again, serverInfo);
				}
			}
			else if (isRefusal(ex) || isInvalidValue(ex)) {
				return refused(node, server, missing, ex, serverInfo);
			}
			else {
				throw ex;
			}
		}
		NotificationFlags readBack = reader.get();
		NotificationFlags stillMissing = this.required.without(readBack);
		if (readBack.onlyHiddenNewKeyLetterMissing(stillMissing)) {
			// Written just now: 'n' is set though Redis cannot show it next to 'A'.
			this.hiddenNewKeyLetterWritten.put(node, readBack);
			stillMissing = NotificationFlags.none();
		}
		if (extraRefused != null) {
			return new Status(Outcome.MISSING, readBack, stillMissing.isEmpty() ? this.extra : stillMissing,
					extraRefused);
		}
		return new Status(stillMissing.isEmpty() ? Outcome.APPLIED : Outcome.MISSING, readBack, stillMissing,
				stillMissing.isEmpty() ? null : "the server did not keep the letters it was given");
	}

	// Managed Redis (renamed CONFIG, ACL without +config|set) or a server too old for a letter: report, and stop
	// writing to this node.
	private Status refused(String node, NotificationFlags server, NotificationFlags missing, DataAccessException ex,
			Supplier<@Nullable Properties> serverInfo) {
		if (ex instanceof RedisConnectionFailureException failure) {
			throw failure;
		}
		String reason = NestedExceptionUtils.getMostSpecificCause(ex).getMessage();
		if (isInvalidValue(ex)) {
			reason = "Redis " + version(serverInfo) + " refuses it: " + reason;
		}
		this.refusingNodes.put(node, reason);
		return new Status(Outcome.MISSING, server, missing, reason);
	}

	// An explicit refusal: the command is renamed or unknown, or the ACL denies it. Anything else (a timeout, a
	// dropped connection) is transient and retried.
	private static boolean isRefusal(DataAccessException ex) {
		String message = String.valueOf(NestedExceptionUtils.getMostSpecificCause(ex).getMessage());
		return message.contains("NOPERM") || message.contains("unknown command")
				|| message.contains("unknown subcommand") || message.contains("no permissions");
	}

	private static boolean isInvalidValue(DataAccessException ex) {
		String message = String.valueOf(NestedExceptionUtils.getMostSpecificCause(ex).getMessage());
		return message.contains("Invalid") || message.contains("invalid");
	}

	private static String version(Supplier<@Nullable Properties> serverInfo) {
		try {
			Properties info = serverInfo.get();
			String version = (info != null) ? info.getProperty("redis_version") : null;
			return (version != null) ? version : "(version unknown)";
		}
		catch (RuntimeException ex) {
			return "(version unknown)";
		}
	}

	private static NotificationFlags read(RedisConnection connection) {
		return flagsOf(connection.serverCommands().getConfig(PARAMETER));
	}

	private static NotificationFlags flagsOf(@Nullable Properties config) {
		String value = (config != null) ? config.getProperty(PARAMETER) : null;
		return NotificationFlags.ofServerValue((value != null) ? value : "");
	}

	private Status record(Status status) {
		Status previous = this.lastStatus;
		this.lastStatus = status;
		if (previous == null || !previous.sameOutcome(status)) {
			log(status);
		}
		return status;
	}

	private void log(Status status) {
		switch (status.outcome()) {
			case COVERED -> logger.info("Redis %s '%s' covers the '%s' the keyspace event handlers need"
				.formatted(PARAMETER, status.server(), this.required));
			case APPLIED -> logger.info("Redis %s set to '%s' (added '%s' for the keyspace event handlers)"
				.formatted(PARAMETER, status.server(), this.required));
			case MISSING -> {
				if (status.reason() != null && status.reason().contains("extra-flags")) {
					logger.error(status.reason() + "; the handlers' own letters were applied. Remove those letters "
							+ "from keyspace-events.notifications.extra-flags.");
				}
				else {
					logger.warn(missingMessage(status));
				}
			}
			case UNVERIFIABLE -> logger.warn(("Cannot %s Redis %s (%s); keyspace event handlers receive nothing "
					+ "unless the server's %s includes '%s'. %s").formatted((status.server() != null) ? "verify" : "read",
							PARAMETER, status.reason(), PARAMETER, this.required, whereToSet()));
			case NOT_MANAGED -> logger.debug("Redis " + PARAMETER + " is not managed (keyspace-events.notifications.mode=off)");
		}
	}

	private String missingMessage(Status status) {
		NotificationFlags server = (status.server() != null) ? status.server() : NotificationFlags.none();
		String cause = (status.reason() != null) ? "could not be changed (" + status.reason() + ")"
				: "is verified only (keyspace-events.notifications.mode=verify)";
		return ("Redis %s is '%s' and lacks '%s', so some keyspace event handlers receive nothing; it %s. "
				+ "Set it to '%s'. %s").formatted(PARAMETER, server, status.missing(), cause,
						server.with(this.required), whereToSet());
	}

	private static String whereToSet() {
		return "Self-managed: redis.conf or CONFIG SET " + PARAMETER + "; AWS ElastiCache: the '" + PARAMETER
				+ "' parameter of the cluster's parameter group; Azure Cache for Redis: Advanced settings > Keyspace "
				+ "notifications; Google Memorystore: the instance's '" + PARAMETER
				+ "' configuration; Heroku: heroku redis:keyspace-notifications.";
	}


	/** What a check found. */
	public enum Outcome {

		/** The server already had every needed letter. */
		COVERED,

		/** The starter added the missing letters and read them back. */
		APPLIED,

		/** Letters are missing and could not or may not be added. */
		MISSING,

		/** The setting could not be read ({@code CONFIG GET} refused). */
		UNVERIFIABLE,

		/** Mode is off. */
		NOT_MANAGED

	}

	/**
	 * Result of one check.
	 * @param outcome what was found
	 * @param server the server's letters after the check, if readable
	 * @param missing the needed letters the server lacks
	 * @param reason the server's error, if it refused a command
	 * @param nodes the outcome on each node of a cluster, by address; empty otherwise
	 */
	public record Status(Outcome outcome, @Nullable NotificationFlags server, NotificationFlags missing,
			@Nullable String reason, Map<String, String> nodes) {

		Status(Outcome outcome, @Nullable NotificationFlags server, NotificationFlags missing,
				@Nullable String reason) {
			this(outcome, server, missing, reason, Map.of());
		}

		boolean sameOutcome(Status other) {
			return this.outcome == other.outcome && this.missing.equals(other.missing);
		}

	}

}
