package io.github.keyspaceevents.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

import io.github.keyspaceevents.launcher.RedisServerProcess;

/**
 * What each structure a library keeps in Redis costs per deadline: {@code MEMORY USAGE ... SAMPLES 0} (every element
 * counted, the key's own entry included) of every key, grouped by what the key is: a ledger structure by its suffix
 * ({@code due}, {@code entries}, …), a Redisson structure by its prefix, anything else as the tracked keys themselves.
 * Summed on the server in one script, so that a million keys cost one call, not a million.
 */
final class MemoryByStructure {

	private static final String SCRIPT = """
			local bytes, counts, kinds = {}, {}, {}
			local cursor = '0'
			repeat
				local reply = redis.call('SCAN', cursor, 'COUNT', 1000)
				cursor = reply[1]
				for _, k in ipairs(reply[2]) do
					local kind = string.match(k, '^{[^}]*}:([%w%-]+)$') or string.match(k, '^(redisson_[%w_]+):')
						or 'tracked keys'
					if not bytes[kind] then
						bytes[kind], counts[kind] = 0, 0
						kinds[#kinds + 1] = kind
					end
					bytes[kind] = bytes[kind] + redis.call('MEMORY', 'USAGE', k, 'SAMPLES', '0')
					counts[kind] = counts[kind] + 1
				end
			until cursor == '0'
			local out = {}
			for _, kind in ipairs(kinds) do
				out[#out + 1] = kind
				out[#out + 1] = bytes[kind]
			end
			return out
			""";

	private MemoryByStructure() {
	}

	/**
	 * @param redis the server, holding only what one contender wrote
	 * @param deadlines how many deadlines it holds
	 * @return bytes per deadline by structure, largest first, for example {@code "entries 88 B, due 61 B"}
	 */
	static String perDeadline(RedisServerProcess redis, int deadlines) {
		List<?> reply = (List<?>) redis.command("EVAL", SCRIPT, "0");
		record Part(String kind, long bytes) {
		}
		List<Part> parts = new ArrayList<>();
		for (int i = 0; i < reply.size(); i += 2) {
			parts.add(new Part(String.valueOf(reply.get(i)), (Long) reply.get(i + 1)));
		}
		parts.sort((a, b) -> Long.compare(b.bytes(), a.bytes()));
		StringJoiner joined = new StringJoiner(", ");
		for (Part part : parts) {
			// Structures of a few bytes per deadline (sequence counters, settings) are not worth a column.
			if (part.bytes() >= deadlines) {
				joined.add(String.format(Locale.ROOT, "%s %.0f B", part.kind(), (double) part.bytes() / deadlines));
			}
		}
		return joined.toString();
	}

}
