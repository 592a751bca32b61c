package io.github.keyspaceevents.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.KeyspaceEventErrorHandler;
import io.github.keyspaceevents.KeyspaceEventsConfigurationException;
import io.github.keyspaceevents.TrackedExpirations;
import io.github.keyspaceevents.annotation.KeyVariable;
import io.github.keyspaceevents.annotation.OnKeyDeleted;
import io.github.keyspaceevents.annotation.OnKeyEvent;
import io.github.keyspaceevents.annotation.OnKeyExpired;
import io.github.keyspaceevents.annotation.TrackedValue;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.convert.converter.Converter;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Key variables and typed tracked values, against a real Redis: converted as declared, failures reported without
 * stopping delivery, bad declarations refused at startup naming the method and parameter.
 */
class KeyVariableTests {

	// Started once for the class, closed (killed) after its last test.
	@AutoClose
	private static final RedisServerProcess redis = RedisServerProcess.start();

	@BeforeEach
	void resetServer() {
		redis.command("FLUSHALL");
	}

	@Test
	void variablesAreConvertedToTheParameterTypes() {
		run(VariableHandlers.class, (context) -> {
			StringRedisTemplate redisTemplate = context.getBean(StringRedisTemplate.class);
			UUID cart = UUID.randomUUID();
			redisTemplate.opsForValue().set("order:42", "x");
			redisTemplate.delete("order:42");
			redisTemplate.opsForValue().set("user:ann:cart:" + cart, "x");
			redisTemplate.opsForValue().set("basket:" + cart + ":of:bob", "x");
			redisTemplate.opsForValue().set("status:PAID", "x");
			redisTemplate.opsForValue().set("sku:A-7", "x");
			await().untilAsserted(() -> assertThat(recorder(context).received()).containsExactlyInAnyOrder(
					"deleted order 42", "cart ann " + cart, "cart bob " + cart, "status PAID", "sku A/7"));
		});
	}

	@Test
	void hashTagPatternsWithoutAVariableParameterStayLiteral() {
		run(VariableHandlers.class, (context) -> {
			StringRedisTemplate redisTemplate = context.getBean(StringRedisTemplate.class);
			redisTemplate.opsForValue().set("{user}:7", "x");
			redisTemplate.opsForValue().set("user:7", "x");
			await().untilAsserted(() -> assertThat(recorder(context).received()).contains("hash tag {user}:7"));
			redisTemplate.opsForValue().set("{user}:marker", "x");
			await().untilAsserted(() -> assertThat(recorder(context).received()).contains("hash tag {user}:marker"));
			assertThat(recorder(context).received()).filteredOn((entry) -> entry.startsWith("hash tag"))
				.containsExactly("hash tag {user}:7", "hash tag {user}:marker");
		});
	}

	@Test
	void aVariableThatCannotBeConvertedReachesTheErrorHandlerAndDeliveryGoesOn() {
		run(VariableHandlers.class, (context) -> {
			StringRedisTemplate redisTemplate = context.getBean(StringRedisTemplate.class);
			redisTemplate.opsForValue().set("order:abc", "x");
			redisTemplate.delete("order:abc");
			redisTemplate.opsForValue().set("order:7", "x");
			redisTemplate.delete("order:7");
			await().untilAsserted(() -> assertThat(recorder(context).received()).contains("deleted order 7"));
			assertThat(recorder(context).received()).anySatisfy((entry) -> assertThat(entry)
				.startsWith("error deleted del order:abc: Key 'order:abc': variable {id} = 'abc' cannot be converted "
						+ "to long for keyVariableTests.VariableHandlers.deleted(long)"));
		});
	}

	@Test
	void trackedValueArrivesTypedWithTheKeyVariables() {
		run(TrackedHandlers.class, (context) -> {
			TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
			tracked.expireAt("shop:order:12", new OrderSnapshot("ann", 3, List.of("sku-1", "sku-2")),
					Instant.now().plusMillis(100));
			tracked.expireAfter("shop:note:13", (Object) "plain text", Duration.ofMillis(100));
			await().untilAsserted(() -> assertThat(recorder(context).received()).contains(
					"tracked 12 OrderSnapshot[customer=ann, items=3, skus=[sku-1, sku-2]] same",
					"text 13 plain text"));
		});
	}

	@Test
	void anUntrackedEventGivesNoTrackedValue() {
		run(TrackedHandlers.class, (context) -> {
			context.getBean(StringRedisTemplate.class).opsForValue().set("shop:order:14", "x", Duration.ofMillis(20));
			await().untilAsserted(() -> assertThat(recorder(context).received()).contains("tracked 14 null same"));
		});
	}

	@Test
	void aValueThatCannotBeReadIsAHandlerFailureEndingInTheDeadLetter() {
		run(TrackedHandlers.class, (context) -> {
			TrackedExpirations tracked = context.getBean(TrackedExpirations.class);
			tracked.expireAt("shop:order:15", "not json", Instant.now());
			await().until(() -> tracked.deadLetterCount() == 1);
			TrackedExpirations.DeadLetter dead = tracked.deadLetters(0, 1).get(0);
			assertThat(dead.key()).isEqualTo("shop:order:15");
			assertThat(dead.value()).isEqualTo("not json");
			assertThat(dead.attempts()).isEqualTo(2);
			assertThat(dead.lastError()).contains("Tracked value cannot be read as");
			assertThat(recorder(context).received()).noneMatch((entry) -> entry.startsWith("tracked 15"));
		});
	}

	@Test
	void aPatternWithoutTheVariableFailsStartupNamingTheMethod() {
		runner().withUserConfiguration(MissingVariableHandler.class)
			.run((context) -> assertThat(configurationFailure(context))
				.hasMessageContaining("MissingVariableHandler.deleted(long)")
				.hasMessageContaining("key pattern \"invoice:*\" does not declare the variable {id}"));
	}

	@Test
	void aVariableNoConverterCanProduceFailsStartupNamingTheParameter() {
		runner().withUserConfiguration(UnconvertibleVariableHandler.class)
			.run((context) -> assertThat(configurationFailure(context))
				.hasMessageContaining("UnconvertibleVariableHandler.deleted(Opaque)")
				.hasMessageContaining("parameter 0 ('id' of type "
						+ Opaque.class.getName())
				.hasMessageContaining("no converter turns text into"));
	}

	@Test
	void aPrimitiveTrackedValueFailsStartup() {
		runner().withUserConfiguration(PrimitiveTrackedValueHandler.class)
			.run((context) -> assertThat(configurationFailure(context))
				.hasMessageContaining("PrimitiveTrackedValueHandler.expired(int)")
				.hasMessageContaining("is a primitive @TrackedValue")
				.extracting(KeyspaceEventsConfigurationException::getAction)
				.asString()
				.contains("as Integer instead of int"));
	}

	@Test
	void variablesTouchingAWildcardFailStartup() {
		runner().withUserConfiguration(AmbiguousVariableHandler.class)
			.run((context) -> assertThat(configurationFailure(context))
				.hasMessageContaining("AmbiguousVariableHandler.deleted(String)")
				.hasMessageContaining("the variable {id} touches a '*' or another variable"));
	}

	private static ApplicationContextRunner runner() {
		return RedisContextRunners.against(redis)
			.withPropertyValues("keyspace-events.tracking.max-attempts=2", "keyspace-events.tracking.retry-backoff=50ms",
					"keyspace-events.tracking.idle-poll=200ms");
	}

	private static void run(Class<?> handlers, ThrowingConsumer test) {
		runner().withUserConfiguration(handlers, Recording.class).run((context) -> {
			assertThat(context).hasNotFailed();
			await().until(() -> context.getBean(KeyspaceEventSubscription.class).isSubscribed());
			test.accept(context);
		});
	}

	// The startup error as the failure analyzer reports it, whatever wraps it.
	private static KeyspaceEventsConfigurationException configurationFailure(AssertableApplicationContext context) {
		Throwable failure = context.getStartupFailure();
		while (failure != null && !(failure instanceof KeyspaceEventsConfigurationException)) {
			failure = failure.getCause();
		}
		assertThat(failure).as("startup failure").isNotNull();
		return (KeyspaceEventsConfigurationException) failure;
	}

	private static EventRecorder recorder(AssertableApplicationContext context) {
		return context.getBean(EventRecorder.class);
	}

	interface ThrowingConsumer {

		void accept(AssertableApplicationContext context) throws Exception;

	}

	enum Status {

		OPEN, PAID

	}

	record Sku(String family, int number) {
	}

	record OrderSnapshot(String customer, int items, List<String> skus) {
	}

	static final class Opaque {

	}

	@Configuration(proxyBeanMethods = false)
	static class Recording {

		@Bean
		EventRecorder eventRecorder() {
			return new EventRecorder();
		}

		@Bean
		KeyspaceEventErrorHandler recordingErrorHandler(EventRecorder recorder) {
			return (event, handler, failure) -> recorder
				.record("error " + handler.method().getName() + " " + event.event() + " " + event.key() + ": "
						+ failure.getMessage());
		}

		// A converter bean of the application: used for key variables as Boot uses it for web arguments.
		@Bean
		Converter<String, Sku> skuConverter() {
			return (text) -> new Sku(text.substring(0, text.indexOf('-')),
					Integer.parseInt(text.substring(text.indexOf('-') + 1)));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class VariableHandlers {

		private final EventRecorder recorder;

		VariableHandlers(EventRecorder recorder) {
			this.recorder = recorder;
		}

		@OnKeyDeleted("order:{id}")
		void deleted(@KeyVariable("id") long id) {
			this.recorder.record("deleted order " + id);
		}

		@OnKeyEvent(value = { "user:{user}:cart:{cart}", "basket:{cart}:of:{user}" }, events = "set")
		void cart(@KeyVariable("user") String user, @KeyVariable("cart") UUID cart) {
			this.recorder.record("cart " + user + " " + cart);
		}

		@OnKeyEvent(value = "status:{state}", events = "set")
		void status(@KeyVariable(name = "state") Status state) {
			this.recorder.record("status " + state);
		}

		@OnKeyEvent(value = "sku:{sku}", events = "set")
		void sku(@KeyVariable("sku") Sku sku) {
			this.recorder.record("sku " + sku.family() + "/" + sku.number());
		}

		@OnKeyEvent(value = "{user}:*", events = "set")
		void hashTag(String key) {
			this.recorder.record("hash tag " + key);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TrackedHandlers {

		private final EventRecorder recorder;

		TrackedHandlers(EventRecorder recorder) {
			this.recorder = recorder;
		}

		@OnKeyExpired("shop:order:{id}")
		void expired(@KeyVariable("id") long id, @TrackedValue OrderSnapshot snapshot, KeyspaceEvent event) {
			boolean same = (snapshot == null) ? event.value() == null
					: snapshot.equals(event.value(OrderSnapshot.class));
			this.recorder.record("tracked " + id + " " + snapshot + (same ? " same" : " differs"));
		}

		@OnKeyExpired("shop:note:{id}")
		void text(@KeyVariable("id") int id, @TrackedValue String text) {
			this.recorder.record("text " + id + " " + text);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class MissingVariableHandler {

		@OnKeyDeleted({ "order:{id}", "invoice:*" })
		void deleted(@KeyVariable("id") long id) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UnconvertibleVariableHandler {

		@OnKeyDeleted("order:{id}")
		void deleted(@KeyVariable("id") Opaque id) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class PrimitiveTrackedValueHandler {

		@OnKeyExpired("order:*")
		void expired(@TrackedValue int count) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class AmbiguousVariableHandler {

		@OnKeyDeleted("order:{id}*")
		void deleted(@KeyVariable("id") String id) {
		}

	}

}
