package io.github.keyspaceevents.subscription;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.util.JedisClusterCRC16;

import org.springframework.data.redis.connection.DefaultMessage;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;

/**
 * {@link ClusterSubscription} through Jedis: the masters come from Spring Data Redis' view of the cluster
 * ({@code CLUSTER NODES}), and each is subscribed on its own connection, taken from the pool the Jedis cluster client
 * keeps for that node (so it carries the application's credentials and TLS settings) and held by a thread blocked in
 * {@code SUBSCRIBE} for as long as the node is a master. A subscription that ends (the node failed, the connection
 * was killed) is made again at the next refresh, on whatever is master then. A master Jedis has not met yet is sent
 * one read, which its redirect makes Jedis learn.
 */
final class JedisClusterSubscription implements ClusterSubscription {

	private static final Log logger = LogFactory.getLog(ClusterSubscription.class);

	private static final Duration SUBSCRIBE_TIMEOUT = Duration.ofSeconds(5);

	private final JedisConnectionFactory connectionFactory;

	private final Map<String, MessageListener> listeners;

	private final byte[][] channels;

	// By host:port.
	private final Map<String, NodeSubscriber> subscribers = new ConcurrentHashMap<>();

	private volatile boolean closed;

	JedisClusterSubscription(JedisConnectionFactory connectionFactory, Map<String, MessageListener> listeners) {
		this.connectionFactory = connectionFactory;
		this.listeners = new HashMap<>(listeners);
		this.channels = listeners.keySet()
			.stream()
			.map((channel) -> channel.getBytes(StandardCharsets.UTF_8))
			.toArray(byte[][]::new);
	}

	static @Nullable ClusterSubscription forClusterOf(RedisConnectionFactory connectionFactory,
			Map<String, MessageListener> listeners) {
		if (connectionFactory instanceof JedisConnectionFactory jedis && jedis.isRedisClusterAware()) {
			return new JedisClusterSubscription(jedis, listeners);
		}
		return null;
	}

	@Override
	public void start() {
		subscribeNewMasters();
	}

	@Override
	public synchronized boolean subscribeNewMasters() {
		if (this.closed) {
			return false;
		}
		Set<String> masters = new HashSet<>();
		Map<String, ConnectionPool> pools;
		try (RedisClusterConnection connection = this.connectionFactory.getClusterConnection()) {
			Object client = connection.getNativeConnection();
			for (RedisClusterNode node : connection.clusterGetNodes()) {
				if (node.isMaster() && node.isConnected() && !node.getFlags().contains(RedisClusterNode.Flag.FAIL)
						&& !node.getFlags().contains(RedisClusterNode.Flag.PFAIL)) {
					String address = node.getHost() + ":" + node.getPort();
					masters.add(address);
					if (!poolsOf(client).containsKey(address)) {
						meet(client, node);
					}
				}
			}
			pools = poolsOf(client);
		}
		// A node that stopped being a master, or whose subscription ended, is let go; it is subscribed again if it is
		// (still or again) a master.
		this.subscribers.entrySet().removeIf((entry) -> {
			boolean gone = !masters.contains(entry.getKey()) || !entry.getValue().isSubscribed();
			if (gone) {
				entry.getValue().close();
			}
			return gone;
		});
		boolean added = false;
		for (String address : masters) {
			if (this.subscribers.containsKey(address)) {
				continue;
			}
			ConnectionPool pool = pools.get(address);
			if (pool == null) {
				// The client has not learnt about this master yet: next time.
				logger.debug("No Jedis connection pool for cluster master " + address + " yet");
				continue;
			}
			NodeSubscriber subscriber = new NodeSubscriber(address, pool);
			if (subscriber.start()) {
				this.subscribers.put(address, subscriber);
				added = true;
			}
			else {
				subscriber.close();
			}
		}
		return added;
	}

	// Jedis learns of a master (a promoted replica, one added by resharding) when a command is redirected to it: send it
	// one, for a key in one of the master's slots, rather than wait for the application to.
	private static void meet(Object client, RedisClusterNode master) {
		if (!(client instanceof UnifiedJedis jedis) || master.getSlotRange().getSlots().isEmpty()) {
			return;
		}
		int slot = master.getSlotRange().getSlots().iterator().next();
		for (int i = 0; i < 1_000_000; i++) {
			String key = "keyspace-events:slot:" + i;
			if (JedisClusterCRC16.getSlot(key) == slot) {
				try {
					jedis.exists(key);
				}
				catch (RuntimeException ex) {
					logger.debug("Could not reach cluster master " + master.getHost() + ":" + master.getPort(), ex);
				}
				return;
			}
		}
	}

	private static Map<String, ConnectionPool> poolsOf(Object nativeConnection) {
		if (nativeConnection instanceof RedisClusterClient client) {
			return client.getClusterNodes();
		}
		if (nativeConnection instanceof JedisCluster cluster) {
			return cluster.getClusterNodes();
		}
		throw new IllegalStateException("Unexpected Jedis cluster client " + nativeConnection.getClass().getName());
	}

	@Override
	public boolean refresh() {
		try {
			return subscribeNewMasters();
		}
		catch (RuntimeException ex) {
			logger.debug("Cluster topology refresh failed", ex);
			return false;
		}
	}

	@Override
	public Set<String> subscribedMasters() {
		Set<String> addresses = new TreeSet<>();
		this.subscribers.forEach((address, subscriber) -> {
			if (subscriber.isSubscribed()) {
				addresses.add(address);
			}
		});
		return addresses;
	}

	@Override
	public synchronized void close() {
		this.closed = true;
		this.subscribers.values().forEach(NodeSubscriber::close);
		this.subscribers.clear();
	}

	/** One master's subscription: a connection and the thread blocked in {@code SUBSCRIBE} on it. */
	private final class NodeSubscriber {

		private final String address;

		private final ConnectionPool pool;

		private final CountDownLatch confirmed = new CountDownLatch(1);

		private final BinaryJedisPubSub pubSub = new BinaryJedisPubSub() {

			@Override
			public void onSubscribe(byte[] channel, int subscribedChannels) {
				if (subscribedChannels == JedisClusterSubscription.this.channels.length) {
					NodeSubscriber.this.confirmed.countDown();
				}
			}

			@Override
			public void onMessage(byte[] channel, byte[] message) {
				MessageListener listener = JedisClusterSubscription.this.listeners
					.get(new String(channel, StandardCharsets.UTF_8));
				if (listener != null) {
					listener.onMessage(new DefaultMessage(channel, message), null);
				}
			}

		};

		private volatile @Nullable Connection connection;

		private final AtomicBoolean released = new AtomicBoolean();

		private volatile boolean ended;

		private @Nullable Thread thread;

		NodeSubscriber(String address, ConnectionPool pool) {
			this.address = address;
			this.pool = pool;
		}

		/** @return whether the node confirmed the subscription in time */
		boolean start() {
			Thread thread = new Thread(this::run, "keyspace-events-cluster-" + this.address);
			thread.setDaemon(true);
			this.thread = thread;
			thread.start();
			try {
				return this.confirmed.await(SUBSCRIBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) && !this.ended;
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return false;
			}
		}

		boolean isSubscribed() {
			return !this.ended && this.confirmed.getCount() == 0;
		}

		private void run() {
			try {
				Connection connection = this.pool.getResource();
				this.connection = connection;
				if (this.ended) {
					return;
				}
				new Jedis(connection).subscribe(this.pubSub, JedisClusterSubscription.this.channels);
			}
			catch (RuntimeException ex) {
				if (!JedisClusterSubscription.this.closed) {
					logger.debug("Subscription on cluster node " + this.address + " ended", ex);
				}
			}
			finally {
				this.ended = true;
				this.confirmed.countDown();
				release();
			}
		}

		// Held for as long as the node is a master, and never handed back to the pool in subscribed state: destroyed.
		private void release() {
			Connection connection = this.connection;
			if (connection != null && this.released.compareAndSet(false, true)) {
				connection.setBroken();
				connection.close();
			}
		}

		void close() {
			this.ended = true;
			// Closing the socket ends the blocked read at once, whether or not the node still answers.
			release();
			Thread thread = this.thread;
			if (thread != null) {
				try {
					thread.join(SUBSCRIBE_TIMEOUT.toMillis());
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		}

	}

}
