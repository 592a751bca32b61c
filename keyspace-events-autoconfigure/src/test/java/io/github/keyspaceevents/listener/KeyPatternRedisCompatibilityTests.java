package io.github.keyspaceevents.listener;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.github.keyspaceevents.launcher.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks {@link KeyPattern} against Redis' own matcher: for every pattern of a table, the keys Redis' {@code KEYS}
 * returns from a set of tricky keys must be exactly the keys {@link KeyPattern} matches.
 */
class KeyPatternRedisCompatibilityTests {

	private static final List<String> KEYS = List.of("order:1", "order:42", "order:", "order", "orders:1", "order:a",
			"order:b", "order:d", "order:]", "order:[", "order:*", "order:?", "order:\\", "order:-", "order:^",
			"order:{42}", "order:{42}:lines", "{order}:1", "a", "ab", "abc", "aXbYc", "a*b", "a?b", "é", "order:é",
			"order:\u00ff", "x-y", "x]y", "[", "]", "\\", "**", "a\\b");

	private static final List<String> PATTERNS = List.of("*", "order:*", "order:?", "order:??", "order:[ab]",
			"order:[^ab]", "order:[a-c]", "order:[c-a]", "order:[\\]]", "order:[\\-]", "order:\\*", "order:\\?",
			"order:\\\\", "order:[ab", "order:[", "order:[^", "order:[]", "order:[]a]", "order:[a-]", "order:[-a]",
			"order:{42}", "order:{*}", "{order}:*", "*:*", "a*b*c", "a*c", "*b*", "a\\", "\\", "[", "]", "[\\\\]",
			"order:[!ab]", "order:[a-é]", "order:[^a-z]", "x[-]y", "x[]]y", "**", "*\\**", "a?b", "a\\?b",
			"order:[\\^]", "order:[^^]", "?", "??", "[a-b-c]", "a[\\b]c");

	private static RedisServerProcess redis;

	@BeforeAll
	static void startRedis() {
		redis = RedisServerProcess.start();
		for (String key : KEYS) {
			redis.command("SET", key, "1");
		}
	}

	@AfterAll
	static void stopRedis() {
		redis.close();
	}

	@Test
	void matchesExactlyWhatRedisKeysMatches() {
		List<String> differences = new ArrayList<>();
		for (String pattern : PATTERNS) {
			Set<String> byRedis = new HashSet<>(keys(pattern));
			KeyPattern compiled = KeyPattern.compile(pattern);
			Set<String> byUs = new HashSet<>();
			for (String key : KEYS) {
				if (compiled.matches(key.getBytes(StandardCharsets.UTF_8))) {
					byUs.add(key);
				}
			}
			if (!byRedis.equals(byUs)) {
				differences.add("'" + pattern + "': redis " + byRedis + ", ours " + byUs);
			}
		}
		assertThat(differences).isEmpty();
	}

	@SuppressWarnings("unchecked")
	private static List<String> keys(String pattern) {
		return (List<String>) redis.command("KEYS", pattern);
	}

}
