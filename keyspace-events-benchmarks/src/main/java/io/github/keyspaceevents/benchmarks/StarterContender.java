package io.github.keyspaceevents.benchmarks;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.TrackedExpirations.Expiry;
import io.github.keyspaceevents.annotation.KeyVariable;
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

	private static final int BATCH = 10_000;

	private final boolean tracked;

	private final boolean keyVariable;

	private ConfigurableApplicationContext context;

	StarterContender() {
		this(false, false);
	}

	private StarterContender(boolean tracked, boolean keyVariable) {
		this.tracked = tracked;
		this.keyVariable = keyVariable;
	}

	/** @return the starter writing its keys as tracked expirations */
	static StarterContender tracked() {
		return new StarterContender(true, false);
	}

	/** @return the starter with a handler that takes the key's id as a {@code long} key variable */
	static StarterContender withKeyVariable() {
		return new StarterContender(false, true);
	}

	@Override
	public String name() {
		if (this.keyVariable) {
			return "keyspace-events starter, order:{id} as a long key variable";
		}
		return this.tracked ? "keyspace-events starter, tracked expirations" : "keyspace-events starter (defaults)";
	}

	@Override
	public void writeExpiringKeys(Publisher publisher, int count, IntFunction<Long> deadlineOf) {
		if (!this.tracked) {
			Contender.super.writeExpiringKeys(publisher, count, deadlineOf);
			return;
		}
		// In batches, as a job scheduling many deadlines would.
		TrackedExpirations tracked = trackedExpirations();
		for (int from = 0; from < count; from += BATCH) {
			List<Expiry> batch = new ArrayList<>(BATCH);
			for (int i = from; i < Math.min(count, from + BATCH); i++) {
				long deadline = deadlineOf.apply(i);
				batch.add(new Expiry("order:" + deadline + ":" + i, "pending", Instant.ofEpochMilli(deadline)));
			}
			tracked.expireAtAll(batch);
		}
	}

	TrackedExpirations trackedExpirations() {
		return this.context.getBean(TrackedExpirations.class);
	}

	@Override
	public void start(RedisServerProcess redis, String event, SinkHolder sinks) throws InterruptedException {
		StarterContender.sinks = sinks;
		Class<?> handlers = "expired".equals(event) ? ExpiryHandlerApplication.class
				: this.keyVariable ? KeyVariableHandlerApplication.class : DeleteHandlerApplication.class;
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
	static class KeyVariableHandlerApplication {

		@OnKeyDeleted("order:{id}")
		void deleted(@KeyVariable("id") long id, byte[] key) {
			if (id >= 0) {
				sinks.get().accept(key);
			}
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
