package io.github.keyspaceevents;

import java.util.List;

/**
 * Keys and glob patterns that exercise every corner of Redis' matcher ({@code stringmatchlen}): escapes, unclosed
 * brackets, reversed ranges, hash tags, non-ASCII bytes. Matchers of this project are checked against {@code KEYS}
 * on a real server with them.
 */
public final class GlobCorpus {

	public static final List<String> KEYS = List.of("", "order:1", "order:42", "order:", "order", "orders:1", "order:a",
			"order:b", "order:d", "order:]", "order:[", "order:*", "order:?", "order:\\", "order:-", "order:^",
			"order:{42}", "order:{42}:lines", "{order}:1", "a", "ab", "abc", "aXbYc", "a*b", "a?b", "é", "order:é",
			"order:\u00ff", "x-y", "x]y", "[", "]", "\\", "**", "a\\b");

	public static final List<String> PATTERNS = List.of("*", "order:*", "order:?", "order:??", "order:[ab]",
			"order:[^ab]", "order:[a-c]", "order:[c-a]", "order:[\\]]", "order:[\\-]", "order:\\*", "order:\\?",
			"order:\\\\", "order:[ab", "order:[", "order:[^", "order:[]", "order:[]a]", "order:[a-]", "order:[-a]",
			"order:{42}", "order:{*}", "{order}:*", "*:*", "a*b*c", "a*c", "*b*", "a\\", "\\", "[", "]", "[\\\\]",
			"order:[!ab]", "order:[a-é]", "order:[^a-z]", "x[-]y", "x[]]y", "**", "*\\**", "a?b", "a\\?b",
			"order:[\\^]", "order:[^^]", "?", "??", "[a-b-c]", "a[\\b]c");

	private GlobCorpus() {
	}

}
