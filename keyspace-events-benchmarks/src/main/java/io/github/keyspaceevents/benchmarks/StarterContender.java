package io.github.keyspaceevents.benchmarks;

import java.time.Instant;
import java.util.function.IntFunction;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.annotation.OnKeyDeleted;
import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;

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

	private static final int WRITERS = 32;

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
		// Many writers share Lettuce's connection, which pipelines their commands.
		ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
		try {
			List<Future<?>> writes = new ArrayList<>();
			for (int w = 0; w < WRITERS; w++) {
				int writer = w;
				writes.add(writers.submit(() -> {
					for (int i = writer; i < count; i += WRITERS) {
						long deadline = deadlineOf.apply(i);
						tracked.expireAt("order:" + deadline + ":" + i, "pending", Instant.ofEpochMilli(deadline));
					}
				}));
			}
			for (Future<?> write : writes) {
				write.get();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException(ex.getCause());
		}
		finally {
			writers.shutdown();
		}
	}

	@Override
	public void start(RedisServerProcess redis, String event, SinkHolder sinks) throws InterruptedException {
		StarterContender.sinks = sinks;
		Class<?> handlers = "expired".equals(event) ? ExpiryHandlerApplication.class : DeleteHandlerApplication.class;
		List<String> arguments = new ArrayList<>(List.of("--spring.data.redis.host=" + redis.host(),
				"--spring.data.redis.port=" + redis.port(), "--spring.main.banner-mode=off", "--logging.level.root=warn"));
		// -Dbenchmark.starter="--keyspace-events.tracking.claim-ahead=2s ..." tries other settings.
		for (String argument : System.getProperty("benchmark.starter", "").split(" ")) {
			if (!argument.isBlank()) {
				arguments.add(argument);
			}
		}
		this.context = new SpringApplicationBuilder(handlers).web(WebApplicationType.NONE)
			.logStartupInfo(false)
			.run(arguments.toArray(String[]::new));
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
