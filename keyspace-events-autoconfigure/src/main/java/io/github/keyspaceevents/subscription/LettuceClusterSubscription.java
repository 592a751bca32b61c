package io.github.keyspaceevents.subscription;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

import org.springframework.data.redis.connection.DefaultMessage;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * {@link ClusterSubscription} through Lettuce's cluster pub/sub connection, which subscribes on chosen nodes and
 * reports topology changes on its event bus.
 */
final class LettuceClusterSubscription implements ClusterSubscription {

	private static final Log logger = LogFactory.getLog(ClusterSubscription.class);

	private final RedisClusterClient client;

	private static final Duration SUBSCRIBE_TIMEOUT = Duration.ofSeconds(5);

	private final Map<String, MessageListener> listeners;

	private final byte[][] channels;

	private final Set<String> subscribedMasters = new HashSet<>();

	private final Runnable topologyChanged;

	private @Nullable StatefulRedisClusterPubSubConnection<byte[], byte[]> connection;

	private @Nullable Disposable topologyEvents;

	/**
	 * @param client the cluster client of the connection factory
	 * @param listeners the listener of each channel
	 * @param topologyChanged called (on a Lettuce thread: hand off) when the cluster's topology changed
	 */
	LettuceClusterSubscription(RedisClusterClient client, Map<String, MessageListener> listeners,
			Runnable topologyChanged) {
		this.client = client;
		this.listeners = new HashMap<>(listeners);
		this.channels = listeners.keySet()
			.stream()
			.map((channel) -> channel.getBytes(StandardCharsets.UTF_8))
			.toArray(byte[][]::new);
		this.topologyChanged = topologyChanged;
	}

	static @Nullable ClusterSubscription forClusterOf(RedisConnectionFactory connectionFactory,
			Map<String, MessageListener> listeners, Runnable topologyChanged) {
		if (connectionFactory instanceof LettuceConnectionFactory lettuce
				&& lettuce.getNativeClient() instanceof RedisClusterClient client) {
			return new LettuceClusterSubscription(client, listeners, topologyChanged);
		}
		return null;
	}

	@Override
	public void start() {
		StatefulRedisClusterPubSubConnection<byte[], byte[]> connection = this.client
			.connectPubSub(ByteArrayCodec.INSTANCE);
		connection.setNodeMessagePropagation(true);
		connection.addListener(new RedisClusterPubSubAdapter<>() {
			@Override
			public void message(RedisClusterNode node, byte[] channel, byte[] message) {
				MessageListener listener = LettuceClusterSubscription.this.listeners
					.get(new String(channel, StandardCharsets.UTF_8));
				if (listener != null) {
					listener.onMessage(new DefaultMessage(channel, message), null);
				}
			}
		});
		this.connection = connection;
		this.topologyEvents = this.client.getResources()
			.eventBus()
			.get()
			.filter(ClusterTopologyChangedEvent.class::isInstance)
			.subscribe((event) -> this.topologyChanged.run());
		subscribeNewMasters();
	}

	@Override
	public synchronized boolean subscribeNewMasters() {
		StatefulRedisClusterPubSubConnection<byte[], byte[]> connection = this.connection;
		if (connection == null) {
			return false;
		}
		Set<String> masters = new HashSet<>();
		for (RedisClusterNode node : this.client.getPartitions()) {
			if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.is(RedisClusterNode.NodeFlag.FAIL)
					&& !node.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL)) {
				masters.add(node.getNodeId());
			}
		}
		// A node that stopped being a master is forgotten, so that it is subscribed again if it comes back as one.
		this.subscribedMasters.retainAll(masters);
		boolean added = false;
		for (String nodeId : masters) {
			if (this.subscribedMasters.contains(nodeId)) {
				continue;
			}
			try {
				connection.async()
					.nodes((node) -> node.getNodeId().equals(nodeId))
					.commands()
					.subscribe(this.channels)
					.toCompletableFuture()
					.get(SUBSCRIBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
				this.subscribedMasters.add(nodeId);
				added = true;
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return added;
			}
			catch (ExecutionException | TimeoutException | RuntimeException ex) {
				logger.debug("Could not subscribe on cluster node " + nodeId + " yet", ex);
			}
		}
		return added;
	}

	@Override
	public synchronized Set<String> subscribedMasters() {
		Set<String> addresses = new TreeSet<>();
		for (RedisClusterNode node : this.client.getPartitions()) {
			if (this.subscribedMasters.contains(node.getNodeId())) {
				addresses.add(node.getUri().getHost() + ":" + node.getUri().getPort());
			}
		}
		return addresses;
	}

	@Override
	public boolean refresh() {
		try {
			this.client.refreshPartitions();
		}
		catch (RuntimeException ex) {
			logger.debug("Cluster topology refresh failed", ex);
		}
		return subscribeNewMasters();
	}

	@Override
	public void close() {
		Disposable events = this.topologyEvents;
		if (events != null) {
			events.dispose();
		}
		StatefulRedisClusterPubSubConnection<byte[], byte[]> connection = this.connection;
		if (connection != null) {
			connection.close();
		}
	}

}
