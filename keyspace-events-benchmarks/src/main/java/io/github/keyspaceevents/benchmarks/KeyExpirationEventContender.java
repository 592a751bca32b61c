package io.github.keyspaceevents.benchmarks;

import io.github.keyspaceevents.launcher.RedisServerProcess;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisKeyExpiredEvent;
import org.springframework.data.redis.listener.KeyExpirationEventMessageListener;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/**
 * Spring Data Redis' documented way to react to expiry: {@link KeyExpirationEventMessageListener} publishing
 * {@link RedisKeyExpiredEvent}s to an {@code @EventListener}, on a default container.
 */
final class KeyExpirationEventContender implements Contender {

	static volatile SinkHolder sinks;

	private AnnotationConfigApplicationContext context;

	@Override
	public String name() {
		return "Spring Data Redis KeyExpirationEventMessageListener + @EventListener";
	}

	@Override
	public void start(RedisServerProcess redis, String event, SinkHolder sinks) {
		if (!"expired".equals(event)) {
			throw new IllegalArgumentException("Only handles expired events");
		}
		KeyExpirationEventContender.sinks = sinks;
		this.context = new AnnotationConfigApplicationContext();
		this.context.registerBean(LettuceConnectionFactory.class,
				() -> new LettuceConnectionFactory(new RedisStandaloneConfiguration(redis.host(), redis.port())));
		this.context.register(Config.class);
		this.context.refresh();
	}

	@Override
	public void close() {
		this.context.close();
	}

	// Registered explicitly, not as @Configuration, so that no component scan elsewhere picks it up.
	static class Config {

		@Bean
		RedisMessageListenerContainer container(LettuceConnectionFactory connectionFactory) {
			RedisMessageListenerContainer container = new RedisMessageListenerContainer();
			container.setConnectionFactory(connectionFactory);
			return container;
		}

		@Bean
		KeyExpirationEventMessageListener keyExpirationListener(RedisMessageListenerContainer container) {
			return new KeyExpirationEventMessageListener(container);
		}

		@EventListener
		void onExpired(RedisKeyExpiredEvent<?> event) {
			byte[] key = event.getSource();
			if (RawLettuceContender.startsWith(key)) {
				sinks.get().accept(key);
			}
		}

	}

}
