package io.github.keyspaceevents.subscription;

import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.util.ClassUtils;

/**
 * Keyspace notifications from a Redis Cluster, where every master publishes only for its own keys: subscribes on
 * every master (never on replicas, which would duplicate events), and again on new masters whenever the topology
 * changes (failover, node added, slots moved). Spring Data Redis' container subscribes on one node only.
 */
interface ClusterSubscription extends AutoCloseable {

	/**
	 * Create a cluster subscription if the factory connects to a Redis Cluster, through Lettuce or Jedis.
	 * @param connectionFactory the application's connection factory
	 * @param listeners the listener of each channel
	 * @param topologyChanged called (on a client thread: hand off) when the client learns that the topology changed
	 * @return the subscription, not started, or {@code null} for a standalone or Sentinel-managed Redis
	 */
	static @Nullable ClusterSubscription forClusterOf(RedisConnectionFactory connectionFactory,
			Map<String, MessageListener> listeners, Runnable topologyChanged) {
		ClassLoader classLoader = ClusterSubscription.class.getClassLoader();
		if (ClassUtils.isPresent("io.lettuce.core.RedisClient", classLoader)) {
			ClusterSubscription lettuce = LettuceClusterSubscription.forClusterOf(connectionFactory, listeners,
					topologyChanged);
			if (lettuce != null) {
				return lettuce;
			}
		}
		if (ClassUtils.isPresent("redis.clients.jedis.Jedis", classLoader)) {
			return JedisClusterSubscription.forClusterOf(connectionFactory, listeners);
		}
		return null;
	}

	/** Subscribe on every current master. */
	void start();

	/**
	 * Subscribe on every current master not subscribed yet, one node at a time so that a failing node does not stop
	 * the others; a node that failed is tried again at the next call.
	 * @return whether a master was newly subscribed
	 */
	boolean subscribeNewMasters();

	/**
	 * Ask the cluster for its topology, then subscribe on any new master.
	 * @return whether a master was newly subscribed
	 */
	boolean refresh();

	/** @return {@code host:port} of the masters subscribed on */
	Set<String> subscribedMasters();

	@Override
	void close();

}
