package io.github.keyspaceevents.chaos;

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
 * One application process of the chaos suite: handles tracked expirations of {@code chaos.pattern} against the Redis
 * under test and records every handling (count and lag) in a second Redis that no fault touches.
 */
@Configuration(proxyBeanMethods = false)
@ImportAutoConfiguration({ DataRedisAutoConfiguration.class, KeyspaceEventsAutoConfiguration.class })
public class ChaosWorker {

	private final RedisCommands<String, String> results;

	private final long sleepMillis;

	private final String id;

	ChaosWorker(@Value("${chaos.results-port}") int resultsPort, @Value("${chaos.sleep-millis:0}") long sleepMillis,
			@Value("${chaos.id}") String id) {
		StatefulRedisConnection<String, String> connection = RedisClient.create("redis://127.0.0.1:" + resultsPort)
			.connect();
		this.results = connection.sync();
		this.sleepMillis = sleepMillis;
		this.id = id;
	}

	public static void main(String[] args) {
		SpringApplication application = new SpringApplication(ChaosWorker.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.run(args);
	}

	@EventListener(ApplicationReadyEvent.class)
	void ready() {
		this.results.set("ready:" + this.id, "1");
	}

	@OnKeyExpired("${chaos.pattern}")
	void expired(KeyspaceEvent event) throws InterruptedException {
		if (this.sleepMillis > 0) {
			Thread.sleep(this.sleepMillis);
		}
		long lag = System.currentTimeMillis() - event.deadline().toEpochMilli();
		this.results.hincrby("handled", event.key(), 1);
		this.results.rpush("lags", Long.toString(lag));
	}

}
