package io.github.keyspaceevents.tracking;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.util.StreamUtils;

/**
 * The Lua source of the ledger's scripts, kept in {@code lua/} beside this class, one file per script or shared part,
 * so that it reads, diffs and lints as Lua. A script is its parts joined in order: shared definitions first
 * ({@code clock}, {@code ledger-preamble}, {@code glob}), then its own body.
 */
final class LuaSource {

	/** Where the parts are, as a classpath location pattern (for native images). */
	static final String LOCATION_PATTERN = "io/github/keyspaceevents/tracking/lua/*.lua";

	// Each part read once: the shared ones go into most scripts. Scripts are made while their holder classes
	// initialize, which may happen on several threads at once.
	private static final Map<String, String> PARTS = new ConcurrentHashMap<>();

	private LuaSource() {
	}

	/**
	 * @param resultType what the script returns
	 * @param parts names of the files in {@code lua/}, without {@code .lua}, in the order they are joined
	 * @return the script
	 */
	static <T> RedisScript<T> script(Class<T> resultType, String... parts) {
		StringBuilder source = new StringBuilder();
		for (String part : parts) {
			source.append(PARTS.computeIfAbsent(part, LuaSource::read));
		}
		return RedisScript.of(source.toString(), resultType);
	}

	private static String read(String part) {
		ClassPathResource resource = new ClassPathResource("lua/" + part + ".lua", LuaSource.class);
		try (InputStream in = resource.getInputStream()) {
			return StreamUtils.copyToString(in, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new IllegalStateException("The starter's jar lacks its Lua source " + resource.getPath(), ex);
		}
	}

}
