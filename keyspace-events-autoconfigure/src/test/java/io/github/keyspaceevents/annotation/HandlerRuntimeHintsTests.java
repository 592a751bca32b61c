package io.github.keyspaceevents.annotation;

import java.util.List;
import java.util.UUID;

import io.github.keyspaceevents.KeyspaceEvent;
import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.annotation.ReflectiveRuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What AOT processing registers for handler beans: the handler methods are invocable, tracked value types can be
 * read from JSON, key variable types can be made from text.
 */
class HandlerRuntimeHintsTests {

	private final RuntimeHints hints = new RuntimeHints();

	HandlerRuntimeHintsTests() {
		new ReflectiveRuntimeHintsRegistrar().registerRuntimeHints(this.hints, Handlers.class);
	}

	@Test
	void handlerMethodsAreInvocableWhateverShortcutDeclaresThem() {
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Handlers.class, "cancel")).accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Handlers.class, "changed"))
			.accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Handlers.class, "notAHandler"))
			.rejects(this.hints);
	}

	@Test
	void trackedValueTypesAndTheirNestedTypesCanBeBoundFromJson() {
		assertThat(RuntimeHintsPredicates.reflection().onType(Snapshot.class)
			.withMemberCategories(MemberCategory.INVOKE_DECLARED_CONSTRUCTORS)).accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Snapshot.class, "customer"))
			.accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(Line.class)).accepts(this.hints);
	}

	@Test
	void keyVariableTypesOfTheApplicationCanBeMadeFromText() {
		assertThat(RuntimeHintsPredicates.reflection().onType(Sku.class)
			.withMemberCategories(MemberCategory.INVOKE_PUBLIC_CONSTRUCTORS, MemberCategory.INVOKE_PUBLIC_METHODS))
			.accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(UUID.class)).rejects(this.hints);
	}

	record Line(String sku, int quantity) {
	}

	record Snapshot(String customer, List<Line> lines) {
	}

	public record Sku(String value) {

		public static Sku valueOf(String text) {
			return new Sku(text);
		}

	}

	static class Handlers {

		@OnKeyExpired("order:{id}")
		void cancel(@KeyVariable("id") UUID id, @TrackedValue Snapshot snapshot) {
		}

		@OnKeyEvent(value = "sku:{sku}", events = "set")
		void changed(@KeyVariable("sku") Sku sku, KeyspaceEvent event) {
		}

		void notAHandler() {
		}

	}

}
