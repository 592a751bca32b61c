package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;

import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The minimal ACL rules the README gives for each mode are enough, on a server that enforces them.
 */
class AclTests {

	// The rule sets documented in the README, verbatim.
	static final String MERGE_RULES = "-@all +@connection +config|get +config|set +subscribe +unsubscribe "
			+ "resetchannels &__keyevent@*";

	static final String VERIFY_RULES = "-@all +@connection +config|get +subscribe +unsubscribe "
			+ "resetchannels &__keyevent@*";

	static final String TRACKED_RULES = "+info +evalsha +eval +script|load +time +set +del +unlink +incrby +zadd +zrem "
			+ "+zremrangebyrank +zremrangebyscore +zscore +zrangebyscore +zrange +zcount +zcard "
			+ "+hset +hsetnx +hget +hmget +hdel +hexists "
			+ "~order:* ~{keyspace-events*";

	@Test
	void mergeModeWorksWithExactlyTheDocumentedRules() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			createUser(redis, MERGE_RULES);
			runner(redis).withPropertyValues("keyspace-events.tracking.enabled=false").run((context) -> {
				await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
				assertThat(context.getBean(KeyspaceEventSubscription.class).status().flagsState()).isEqualTo("APPLIED");
				redis.command("SET", "order:1", "x", "PX", "10");
				await().until(() -> context.getBean(EventRecorder.class).received().contains("order:1"));
			});
		}
	}

	@Test
	void verifyModeWorksWithExactlyTheDocumentedRules() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			redis.command("CONFIG", "SET", "notify-keyspace-events", "Ex");
			createUser(redis, VERIFY_RULES);
			runner(redis).withPropertyValues("keyspace-events.tracking.enabled=false",
					"keyspace-events.notifications.mode=verify")
				.run((context) -> {
					await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
					assertThat(context.getBean(KeyspaceEventSubscription.class).status().flagsState())
						.isEqualTo("COVERED");
					redis.command("SET", "order:2", "x", "PX", "10");
					await().until(() -> context.getBean(EventRecorder.class).received().contains("order:2"));
				});
		}
	}

	@Test
	void trackedExpirationsWorkWithTheDocumentedRulesAdded() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			createUser(redis, MERGE_RULES + " " + TRACKED_RULES);
			runner(redis).run((context) -> {
				await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
				TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
				tracked.expireAfter("order:3", "v", Duration.ofMillis(100));
				await().until(() -> context.getBean(EventRecorder.class).received().contains("order:3"));
				tracked.expireAfter("order:4", "v", Duration.ofMinutes(5));
				assertThat(tracked.cancel("order:4")).isTrue();
				assertThat(tracked.deadLetterCount()).isZero();
			});
		}
	}

	private static void createUser(RedisServerProcess redis, String rules) {
		String[] command = ("ACL SETUSER events on >secret " + rules).trim().split("\\s+");
		redis.command(command);
	}

	private static org.springframework.boot.test.context.runner.ApplicationContextRunner runner(
			RedisServerProcess redis) {
		return RedisContextRunners.against(redis)
			.withUserConfiguration(ExpiredOrderRecorder.class)
			.withPropertyValues("spring.data.redis.username=events", "spring.data.redis.password=secret");
	}

}
