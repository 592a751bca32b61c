package io.github.keyspaceevents.launcher;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster on loopback: masters and one replica each, formed with {@code CLUSTER MEET},
 * {@code CLUSTER ADDSLOTS} and {@code CLUSTER REPLICATE} (no {@code redis-cli} needed). Nodes can be killed to force
 * a failover.
 */
public final class RedisClusterProcesses implements AutoCloseable {

	private static final int SLOTS = 16384;

	private static final Duration FORMATION_TIMEOUT = Duration.ofSeconds(20);

	private final List<RedisServerProcess> nodes;

	private int masters;

	private RedisClusterProcesses(List<RedisServerProcess> nodes, int masters) {
		this.nodes = nodes;
		this.masters = masters;
	}

	/**
	 * Start and form a cluster of {@code masters} masters with one replica each.
	 * @param masters number of masters (3 is the smallest Redis accepts for automatic failover)
	 * @param arguments extra configuration for every node
	 * @return the running cluster, every slot covered
	 */
	public static RedisClusterProcesses start(int masters, String... arguments) {
		List<RedisServerProcess> nodes = new ArrayList<>();
		RedisClusterProcesses cluster = new RedisClusterProcesses(nodes, masters);
		try {
			for (int i = 0; i < masters * 2; i++) {
				List<String> args = new ArrayList<>(List.of("--cluster-enabled", "yes", "--cluster-config-file",
						"nodes.conf", "--cluster-node-timeout", "1000", "--cluster-require-full-coverage", "no",
						"--repl-diskless-sync-delay", "0"));
				args.addAll(List.of(arguments));
				nodes.add(RedisServerProcess.startOnPort(RedisServerProcess.freeClusterPort(),
						args.toArray(String[]::new)));
			}
			cluster.form();
			return cluster;
		}
		catch (RuntimeException ex) {
			cluster.close();
			throw ex;
		}
	}

	private void form() {
		for (int m = 0; m < this.masters; m++) {
			int from = m * SLOTS / this.masters;
			int to = (m + 1) * SLOTS / this.masters;
			List<String> command = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
			for (int slot = from; slot < to; slot++) {
				command.add(Integer.toString(slot));
			}
			this.nodes.get(m).command(command.toArray(String[]::new));
		}
		RedisServerProcess first = this.nodes.get(0);
		for (RedisServerProcess node : this.nodes.subList(1, this.nodes.size())) {
			node.command("CLUSTER", "MEET", first.host(), Integer.toString(first.port()));
		}
		awaitCondition("every node knows every other",
				() -> this.nodes.stream().allMatch((node) -> clusterNodes(node).lines().count() == this.nodes.size()));
		for (int r = 0; r < this.masters; r++) {
			String masterId = nodeId(this.nodes.get(r));
			this.nodes.get(this.masters + r).command("CLUSTER", "REPLICATE", masterId);
		}
		awaitCondition("cluster state ok with every replica attached", () -> this.nodes.stream()
			.allMatch((node) -> clusterInfo(node).contains("cluster_state:ok")
					&& clusterNodes(node).lines().filter((line) -> line.contains("slave")).count() == this.masters));
		// A replica that never synced refuses to take over: wait for every replication link.
		awaitCondition("every replica in sync", () -> this.nodes.subList(this.masters, this.nodes.size())
			.stream()
			.allMatch((replica) -> String.valueOf(replica.command("INFO", "replication"))
				.contains("master_link_status:up")));
	}

	/** @return every node, masters first as formed */
	public List<RedisServerProcess> nodes() {
		return List.copyOf(this.nodes);
	}

	/** @return the nodes that are masters now */
	public List<RedisServerProcess> currentMasters() {
		return this.nodes.stream()
			.filter(RedisServerProcess::isRunning)
			.filter((node) -> String.valueOf(node.command("ROLE")).startsWith("[master"))
			.toList();
	}

	/** @return {@code host:port} of every node, for {@code spring.data.redis.cluster.nodes} */
	public String nodeAddresses() {
		return this.nodes.stream().map((node) -> node.host() + ":" + node.port()).collect(Collectors.joining(","));
	}

	/**
	 * Wait until every running master's replicas have acknowledged everything written to it so far.
	 */
	public void awaitReplicasInSync() {
		awaitCondition("replicas caught up with their masters", () -> currentMasters().stream().allMatch((master) -> {
			String info = String.valueOf(master.command("INFO", "replication"));
			long masterOffset = Long.parseLong(info.replaceAll("(?s).*master_repl_offset:(\\d+).*", "$1"));
			return info.lines()
				.filter((line) -> line.startsWith("slave"))
				.allMatch((line) -> line.contains("offset=" + masterOffset + ","));
		}));
	}

	/**
	 * Kill a master and wait until its replica has taken over and the cluster is ok again.
	 * @param master the master to kill
	 */
	public void killMasterAndAwaitFailover(RedisServerProcess master) {
		master.kill();
		awaitCondition("a replica promoted and cluster state ok", () -> this.nodes.stream()
			.filter(RedisServerProcess::isRunning)
			.allMatch((node) -> clusterInfo(node).contains("cluster_state:ok")) && currentMasters().size() == this.masters);
	}

	/**
	 * Reshard onto a new master: start a node, join it to the cluster, and move the last {@code slots} slots of the
	 * first current master to it, the way {@code redis-cli --cluster reshard} does (importing, migrating, then the
	 * new owner announced to every master). The slots must hold no keys.
	 * @param slots how many slots to move
	 * @return the new master
	 */
	public RedisServerProcess addMasterWithSlots(int slots) {
		RedisServerProcess source = currentMasters().get(0);
		RedisServerProcess target = RedisServerProcess.startOnPort(RedisServerProcess.freeClusterPort(),
				"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000",
				"--cluster-require-full-coverage", "no");
		this.nodes.add(target);
		target.command("CLUSTER", "MEET", source.host(), Integer.toString(source.port()));
		awaitCondition("the new node known to every node", () -> this.nodes.stream()
			.filter(RedisServerProcess::isRunning)
			.allMatch((node) -> clusterNodes(node).contains(nodeId(target))
					&& clusterNodes(target).contains(nodeId(node))));
		String sourceId = nodeId(source);
		String targetId = nodeId(target);
		int last = lastSlotOf(source);
		for (int slot = last - slots + 1; slot <= last; slot++) {
			String s = Integer.toString(slot);
			target.command("CLUSTER", "SETSLOT", s, "IMPORTING", sourceId);
			source.command("CLUSTER", "SETSLOT", s, "MIGRATING", targetId);
			target.command("CLUSTER", "SETSLOT", s, "NODE", targetId);
			source.command("CLUSTER", "SETSLOT", s, "NODE", targetId);
		}
		this.masters++;
		awaitCondition("every node sees the new master's slots", () -> this.nodes.stream()
			.filter(RedisServerProcess::isRunning)
			.allMatch((node) -> clusterInfo(node).contains("cluster_state:ok") && clusterNodes(node).lines()
				.anyMatch((line) -> line.startsWith(targetId) && line.contains("master") && line.contains("-"))));
		return target;
	}

	// The highest slot a master serves, from its own CLUSTER NODES line ("... connected 0-5460").
	private static int lastSlotOf(RedisServerProcess master) {
		String myself = clusterNodes(master).lines()
			.filter((line) -> line.contains("myself"))
			.findFirst()
			.orElseThrow();
		String[] fields = myself.trim().split(" ");
		String range = fields[fields.length - 1];
		return Integer.parseInt(range.substring(range.indexOf('-') + 1));
	}

	private static String nodeId(RedisServerProcess node) {
		return ((String) node.command("CLUSTER", "MYID")).trim();
	}

	private static String clusterNodes(RedisServerProcess node) {
		return (String) node.command("CLUSTER", "NODES");
	}

	private static String clusterInfo(RedisServerProcess node) {
		return (String) node.command("CLUSTER", "INFO");
	}

	private void awaitCondition(String what, java.util.function.BooleanSupplier condition) {
		long deadline = System.nanoTime() + FORMATION_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			if (condition.getAsBoolean()) {
				return;
			}
			try {
				Thread.sleep(50);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted waiting for: " + what, ex);
			}
		}
		throw new IllegalStateException(
				"Cluster not ready within " + FORMATION_TIMEOUT.toSeconds() + "s: " + what + "\n" + describe());
	}

	/** @return {@code CLUSTER NODES} as one running node sees it, for failure messages */
	public String describe() {
		return this.nodes.stream()
			.filter(RedisServerProcess::isRunning)
			.findFirst()
			.map((node) -> clusterNodes(node) + clusterInfo(node))
			.orElse("(no node running)");
	}

	@Override
	public void close() {
		this.nodes.forEach(RedisServerProcess::close);
	}

}
