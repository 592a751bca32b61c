package io.github.keyspaceevents.handler;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.github.keyspaceevents.GlobCorpus;
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

	private static RedisServerProcess redis;

	@BeforeAll
	static void startRedis() {
		redis = RedisServerProcess.start();
		for (String key : GlobCorpus.KEYS) {
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
		for (String pattern : GlobCorpus.PATTERNS) {
			Set<String> byRedis = new HashSet<>(keys(pattern));
			KeyPattern compiled = KeyPattern.compile(pattern);
			Set<String> byUs = new HashSet<>();
			for (String key : GlobCorpus.KEYS) {
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
