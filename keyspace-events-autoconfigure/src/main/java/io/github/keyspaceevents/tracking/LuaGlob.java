package io.github.keyspaceevents.tracking;

import java.util.List;

import org.springframework.data.redis.core.script.RedisScript;

/**
 * Redis' glob matcher in Lua, for the ledger's claim script: an instance claims only the keys its handlers match, by
 * the same rules Redis applies to {@code PSUBSCRIBE} and {@code KEYS}. The matcher is {@code lua/glob.lua}, a part
 * of the claim script; this class holds the script that tests run it through.
 */
final class LuaGlob {

	/** Test hook: matches ARGV[1] (a pattern) against ARGV[2..]; returns the matching ones. */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> GLOB_MATCH = LuaSource.script(List.class, "glob", "glob-match");

	private LuaGlob() {
	}

}
