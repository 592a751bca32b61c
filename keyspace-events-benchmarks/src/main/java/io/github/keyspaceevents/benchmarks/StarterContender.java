package io.github.keyspaceevents.benchmarks;

import io.github.keyspaceevents.annotation.OnKeyDeleted;
import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.listener.KeyspaceEventSubscription;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * This starter with default settings: a Spring Boot application with one annotated handler.
 */
final class StarterContender implements Contender {

	static volatile SinkHolder sinks;

	private ConfigurableApplicationContext context;

	@Override
	public String name() {
		return "keyspace-events starter (defaults)";
	}

	@Override
	public void start(RedisServerProcess redis, String event, SinkHolder sinks) throws InterruptedException {
		StarterContender.sinks = sinks;
		Class<?> handlers = "expired".equals(event) ? ExpiryHandlerApplication.class : DeleteHandlerApplication.class;
		this.context = new SpringApplicationBuilder(handlers).web(WebApplicationType.NONE)
			.logStartupInfo(false)
			.run("--spring.data.redis.host=" + redis.host(), "--spring.data.redis.port=" + redis.port(),
					"--spring.main.banner-mode=off", "--logging.level.root=warn");
		KeyspaceEventSubscription subscription = this.context.getBean(KeyspaceEventSubscription.class);
		while (!subscription.isSubscribed()) {
			Thread.sleep(10);
		}
	}

	@Override
	public void close() {
		this.context.close();
	}

	// No component scan: the other contenders' configurations live in this package.
	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class DeleteHandlerApplication {

		@OnKeyDeleted("order:*")
		void deleted(byte[] key) {
			sinks.get().accept(key);
		}

	}

	// No component scan: the other contenders' configurations live in this package.
	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ExpiryHandlerApplication {

		@OnKeyExpired("order:*")
		void expired(byte[] key) {
			sinks.get().accept(key);
		}

	}

}
