package io.github.keyspaceevents.worker;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.autoconfigure.KeyspaceEventsAutoConfiguration;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

/**
 * A worker application without a web server, as a user builds one from the Quick start: handles tracked expirations of
 * {@code worker.pattern} and records every handling (count and lag) in a second Redis that no fault touches.
 */
@Configuration(proxyBeanMethods = false)
@ImportAutoConfiguration({ DataRedisAutoConfiguration.class, KeyspaceEventsAutoConfiguration.class })
public class WorkerApplication {

	private final RedisCommands<String, String> results;

	private final long sleepMillis;

	private final String id;

	WorkerApplication(@Value("${worker.results-port}") int resultsPort,
			@Value("${worker.sleep-millis:0}") long sleepMillis, @Value("${worker.id}") String id) {
		StatefulRedisConnection<String, String> connection = RedisClient.create("redis://127.0.0.1:" + resultsPort)
			.connect();
		this.results = connection.sync();
		this.sleepMillis = sleepMillis;
		this.id = id;
	}

	public static void main(String[] args) {
		SpringApplication application = new SpringApplication(WorkerApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.run(args);
	}

	@EventListener(ApplicationReadyEvent.class)
	void ready() {
		this.results.set("ready:" + this.id, "1");
	}

	@OnKeyExpired("${worker.pattern}")
	void expired(KeyspaceEvent event) throws InterruptedException {
		if (this.sleepMillis > 0) {
			Thread.sleep(this.sleepMillis);
		}
		this.results.hincrby("handled", event.key(), 1);
		if (event.deadline() != null) {
			this.results.rpush("lags", Long.toString(System.currentTimeMillis() - event.deadline().toEpochMilli()));
		}
	}

}
