package io.github.keyspaceevents.benchmarks;

import io.github.keyspaceevents.launcher.RedisServerProcess;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/**
 * What users have today: Spring Data Redis' {@link RedisMessageListenerContainer} with its default executor (a new
 * thread per message) and a {@code MessageListener} that filters the key.
 */
final class ListenerContainerContender implements Contender {

	private LettuceConnectionFactory connectionFactory;

	private RedisMessageListenerContainer container;

	@Override
	public String name() {
		return "Spring Data Redis container, default executor";
	}

	@Override
	public void start(RedisServerProcess redis, String event, SinkHolder sinks) throws Exception {
		this.connectionFactory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(redis.host(), redis.port()));
		this.connectionFactory.afterPropertiesSet();
		this.connectionFactory.start();
		this.container = new RedisMessageListenerContainer();
		this.container.setConnectionFactory(this.connectionFactory);
		this.container.setBeanName("benchmarkContainer");
		this.container.addMessageListener((message, pattern) -> {
			byte[] key = message.getBody();
			if (RawLettuceContender.startsWith(key)) {
				sinks.get().accept(key);
			}
		}, new ChannelTopic("__keyevent@0__:" + event));
		this.container.afterPropertiesSet();
		this.container.start();
	}

	@Override
	public void close() {
		try {
			this.container.destroy();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
		this.connectionFactory.destroy();
	}

}
