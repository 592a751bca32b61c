package io.github.keyspaceevents.tracking;

import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A native image keeps every Lua file the ledger's scripts are made of: the registrar is found the way AOT processing
 * finds it, and its pattern covers each part.
 */
class LuaSourceRuntimeHintsTests {

	@Test
	void everyLuaPartIsKeptInANativeImage() {
		RuntimeHints hints = new RuntimeHints();
		AotServices.factories().load(RuntimeHintsRegistrar.class)
			.forEach((registrar) -> registrar.registerHints(hints, getClass().getClassLoader()));
		for (String part : new String[] { "clock", "ledger-preamble", "glob", "track", "claim", "settle", "begin",
				"retry-dead" }) {
			assertThat(RuntimeHintsPredicates.resource()
				.forResource("io/github/keyspaceevents/tracking/lua/" + part + ".lua")).accepts(hints);
		}
		assertThat(RuntimeHintsPredicates.resource().forResource("io/github/keyspaceevents/tracking/lua/nothing.txt"))
			.rejects(hints);
	}

}
