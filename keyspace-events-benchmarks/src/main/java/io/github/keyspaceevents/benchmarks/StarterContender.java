package io.github.keyspaceevents.benchmarks;

import java.time.Instant;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import io.github.keyspaceevents.TrackedExpirations;
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

	private final boolean tracked;

	private ConfigurableApplicationContext context;

	StarterContender() {
		this(false);
	}

	private StarterContender(boolean tracked) {
		this.tracked = tracked;
	}

	/** @return the starter writing its keys as tracked expirations */
	static StarterContender tracked() {
		return new StarterContender(true);
	}

	@Override
	public String name() {
		return this.tracked ? "keyspace-events starter, tracked expirations" : "keyspace-events starter (defaults)";
	}

	@Override
	public void writeExpiringKeys(Publisher publisher, int count, IntFunction<Long> deadlineOf) {
		if (!this.tracked) {
			Contender.super.writeExpiringKeys(publisher, count, deadlineOf);
			return;
		}
		TrackedExpirations tracked = this.context.getBean(TrackedExpirations.class);
		// Several writers share Lettuce's connection, which pipelines their commands.
		IntStream.range(0, count).parallel().forEach((i) -> {
			long deadline = deadlineOf.apply(i);
			tracked.expireAt("order:" + deadline + ":" + i, "pending", Instant.ofEpochMilli(deadline));
		});
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
