package io.github.keyspaceevents.tracking;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * Keeps the ledger's Lua source in a native image, where resources are included only when asked for. Registered in
 * {@code META-INF/spring/aot.factories}.
 */
class LuaSourceRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		hints.resources().registerPattern(LuaSource.LOCATION_PATTERN);
	}

}
