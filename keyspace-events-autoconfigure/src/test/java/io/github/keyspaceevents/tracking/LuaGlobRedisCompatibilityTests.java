package io.github.keyspaceevents.tracking;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.github.keyspaceevents.GlobCorpus;
import io.github.keyspaceevents.launcher.RedisServerProcess;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the ledger's Lua glob matcher, which decides what an application may claim, against Redis' own matcher: for
 * every pattern, the keys the script matches must be exactly those {@code KEYS} returns.
 */
class LuaGlobRedisCompatibilityTests {

	@Test
	@SuppressWarnings("unchecked")
	void matchesExactlyWhatRedisKeysMatches() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			for (String key : GlobCorpus.KEYS) {
				redis.command("SET", key, "1");
			}
			LettuceConnectionFactory connectionFactory = new LettuceConnectionFactory("127.0.0.1", redis.port());
			connectionFactory.afterPropertiesSet();
			connectionFactory.start();
			try {
				StringRedisTemplate template = new StringRedisTemplate(connectionFactory);
				List<String> differences = new ArrayList<>();
				for (String pattern : GlobCorpus.PATTERNS) {
					Set<String> byRedis = new HashSet<>((List<String>) redis.command("KEYS", pattern));
					List<String> args = new ArrayList<>();
					args.add(pattern);
					args.addAll(GlobCorpus.KEYS);
					Set<String> byScript = new HashSet<>(
							template.execute(LuaGlob.GLOB_MATCH, List.of(), args.toArray()));
					if (!byRedis.equals(byScript)) {
						differences.add("'" + pattern + "': redis " + byRedis + ", script " + byScript);
					}
				}
				assertThat(differences).isEmpty();
			}
			finally {
				connectionFactory.destroy();
			}
		}
	}

}
