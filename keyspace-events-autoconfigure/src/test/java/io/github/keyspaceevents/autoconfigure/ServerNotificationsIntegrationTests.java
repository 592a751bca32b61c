package io.github.keyspaceevents.autoconfigure;


import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The server's notify-keyspace-events is merged, verified or left alone as configured, on real servers, including
 * ones where CONFIG is renamed away or denied by ACL.
 */
@ExtendWith(OutputCaptureExtension.class)
class ServerNotificationsIntegrationTests {

	@Test
	void mergeKeepsTheServersLettersAndAddsTheMissingOnes() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			redis.command("CONFIG", "SET", "notify-keyspace-events", "Kl");
			RedisContextRunners.against(redis).withUserConfiguration(ExpiryHandler.class).run((context) -> {
				awaitSubscribed(context.getBean(KeyspaceEventSubscription.class));
				assertThat(RedisContextRunners.serverFlags(redis)).isEqualTo("lxKE");
			});
		}
	}

	@Test
	void mergeWritesNothingWhenTheServerAlreadyCoversTheHandlers(CapturedOutput output) {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			redis.command("CONFIG", "SET", "notify-keyspace-events", "AKE");
			RedisContextRunners.against(redis).withUserConfiguration(ExpiryHandler.class).run((context) -> {
				awaitSubscribed(context.getBean(KeyspaceEventSubscription.class));
				assertThat(RedisContextRunners.serverFlags(redis)).isEqualTo("AKE");
				assertThat(output).contains("'KEg$lshzxetd' covers the 'Ex'");
			});
		}
	}

	@Test
	void extraFlagsAreAddedToo() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			RedisContextRunners.against(redis)
				.withUserConfiguration(ExpiryHandler.class)
				.withPropertyValues("keyspace-events.notifications.extra-flags=Kg")
				.run((context) -> {
					awaitSubscribed(context.getBean(KeyspaceEventSubscription.class));
					assertThat(RedisContextRunners.serverFlags(redis)).isEqualTo("gxKE");
				});
		}
	}

	@Test
	void verifyModeNeverWritesAndNamesTheMissingLettersAndWhereToSetThem(CapturedOutput output) {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			redis.command("CONFIG", "SET", "notify-keyspace-events", "Kl");
			RedisContextRunners.against(redis)
				.withUserConfiguration(ExpiryHandler.class)
				.withPropertyValues("keyspace-events.notifications.mode=verify")
				.run((context) -> {
					awaitSubscribed(context.getBean(KeyspaceEventSubscription.class));
					assertThat(RedisContextRunners.serverFlags(redis)).isEqualTo("lK");
					assertThat(output).contains("notify-keyspace-events is 'Kl' and lacks 'Ex'")
						.contains("Set it to 'KElx'")
						.contains("AWS ElastiCache")
						.contains("Azure Cache for Redis")
						.contains("Google Memorystore");
				});
		}
	}

	@Test
	void offModeLeavesTheServerAlone() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			RedisContextRunners.against(redis)
				.withUserConfiguration(ExpiryHandler.class)
				.withPropertyValues("keyspace-events.notifications.mode=off")
				.run((context) -> {
					awaitSubscribed(context.getBean(KeyspaceEventSubscription.class));
					assertThat(RedisContextRunners.serverFlags(redis)).isEmpty();
				});
		}
	}

	@Test
	void renamedConfigCommandIsReportedInOneLineAndTheApplicationRuns(CapturedOutput output) {
		try (RedisServerProcess redis = RedisServerProcess.start("--rename-command", "CONFIG", "")) {
			RedisContextRunners.against(redis).withUserConfiguration(ExpiryHandler.class).run((context) -> {
				assertThat(context).hasNotFailed();
				awaitSubscribed(context.getBean(KeyspaceEventSubscription.class));
				assertThat(output).contains("Cannot read Redis notify-keyspace-events (ERR unknown command")
					.contains("unless the server's notify-keyspace-events includes 'Ex'")
					.doesNotContain("\tat io.lettuce");
			});
		}
	}

	@Test
	void aclUserWithoutConfigSetFallsBackToVerify(CapturedOutput output) {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			redis.command("CONFIG", "SET", "notify-keyspace-events", "Kl");
			redis.command("ACL", "SETUSER", "app", "on", ">secret", "~*", "&*", "+@all", "-config", "+config|get");
			RedisContextRunners.against(redis)
				.withUserConfiguration(ExpiryHandler.class)
				.withPropertyValues("spring.data.redis.username=app", "spring.data.redis.password=secret")
				.run((context) -> {
					awaitSubscribed(context.getBean(KeyspaceEventSubscription.class));
					assertThat(RedisContextRunners.serverFlags(redis)).isEqualTo("lK");
					assertThat(output).contains("lacks 'Ex'").contains("could not be changed (NOPERM");
				});
		}
	}

	private static void awaitSubscribed(KeyspaceEventSubscription subscription) {
		await().until(subscription::isSubscribed);
	}


	@Configuration(proxyBeanMethods = false)
	static class ExpiryHandler {

		@OnKeyExpired("order:*")
		void expired(String key) {
		}

	}

}
