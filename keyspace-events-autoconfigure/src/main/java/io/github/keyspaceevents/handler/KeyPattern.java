package io.github.keyspaceevents.handler;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;

/**
 * A key pattern with exactly the semantics of Redis' own glob matching ({@code stringmatchlen} in {@code util.c},
 * used by {@code KEYS}, {@code SCAN MATCH} and {@code PSUBSCRIBE}): {@code *}, {@code ?}, {@code [abc]},
 * {@code [^a]}, {@code [a-z]} (reversed ranges allowed), {@code \} escapes inside and outside brackets, an unclosed
 * {@code [} running to the end of the pattern. Matching is on bytes, so binary keys work; range bounds compare as
 * signed bytes, as Redis does on x86-64.
 */
final class KeyPattern {

	// Redis gives up on patterns nesting '*' deeper than this (protection against abusive patterns).
	private static final int MAX_NESTING = 1000;

	private final String source;

	private final byte[] pattern;

	// Most patterns are a literal or a literal followed by one '*': match those without the general algorithm.
	private final Shape shape;

	private KeyPattern(String source) {
		this.source = source;
		this.pattern = source.getBytes(StandardCharsets.UTF_8);
		this.shape = shapeOf(this.pattern);
	}

	/**
	 * Compile a pattern.
	 * @param pattern the glob pattern
	 * @return the compiled pattern
	 * @throws IllegalArgumentException if the pattern is empty
	 */
	static KeyPattern compile(String pattern) {
		if (pattern.isEmpty()) {
			throw new IllegalArgumentException("Key pattern must not be empty; use \"*\" to match every key");
		}
		return new KeyPattern(pattern);
	}

	boolean matches(byte[] key) {
		// Redis' matcher never matches an empty key, but KEYS skips matching for a lone '*' and so returns the empty
		// key: follow what users see from KEYS.
		if (key.length == 0) {
			return this.source.equals("*");
		}
		return switch (this.shape) {
			case LITERAL -> Arrays.equals(this.pattern, key);
			case PREFIX -> key.length >= this.pattern.length - 1
					&& Arrays.equals(this.pattern, 0, this.pattern.length - 1, key, 0, this.pattern.length - 1);
			case GLOB -> match(0, 0, key, 0, new boolean[1], null);
		};
	}

	/**
	 * Match a key and return the parts of it that some of the pattern's {@code *} matched.
	 * @param key the key
	 * @param starIndexes the byte index in the pattern of each {@code *} whose match is wanted
	 * @return per star, the key's bytes it matched, decoded as UTF-8; {@code null} if the key does not match
	 */
	String @Nullable [] capture(byte[] key, int[] starIndexes) {
		int[] spans = new int[2 * this.pattern.length];
		if (this.shape == Shape.PREFIX) {
			if (!matches(key)) {
				return null;
			}
			spans[2 * (this.pattern.length - 1)] = this.pattern.length - 1;
			spans[2 * (this.pattern.length - 1) + 1] = key.length;
		}
		else if (key.length == 0 ? !this.source.equals("*") : !match(0, 0, key, 0, new boolean[1], spans)) {
			return null;
		}
		String[] captured = new String[starIndexes.length];
		for (int i = 0; i < starIndexes.length; i++) {
			int from = spans[2 * starIndexes[i]];
			int to = spans[2 * starIndexes[i] + 1];
			captured[i] = new String(key, from, to - from, StandardCharsets.UTF_8);
		}
		return captured;
	}

	boolean matches(String key) {
		return matches(key.getBytes(StandardCharsets.UTF_8));
	}

	@Override
	public String toString() {
		return this.source;
	}

	private static Shape shapeOf(byte[] pattern) {
		for (int i = 0; i < pattern.length; i++) {
			byte b = pattern[i];
			if (b == '*' && i == pattern.length - 1) {
				return Shape.PREFIX;
			}
			if (b == '*' || b == '?' || b == '[' || b == '\\') {
				return Shape.GLOB;
			}
		}
		return Shape.LITERAL;
	}

	// A faithful transcription of the algorithm, with out-of-range reads returning 0 as the C string's terminator would.
	// Where spans is given, each '*' on the matching path records there what it matched: [2p] from, [2p + 1] to. A
	// '*' tries the shortest match first, so each takes as little as it can, from left to right. Only the matching
	// path's writes remain: a frame records just before it returns true, and failed tries happen before that.
	private boolean match(int p, int nesting, byte[] key, int s, boolean[] skipLongerMatches, int @Nullable [] spans) {
		if (nesting > MAX_NESTING) {
			return false;
		}
		byte[] pat = this.pattern;
		int patternEnd = pat.length;
		int keyEnd = key.length;
		while (p < patternEnd && s < keyEnd) {
			switch (pat[p]) {
				case '*' -> {
					while (p < patternEnd && at(pat, p + 1) == '*') {
						p++;
					}
					if (patternEnd - p == 1) {
						record(spans, p, s, keyEnd);
						return true;
					}
					int from = s;
					while (s < keyEnd) {
						if (match(p + 1, nesting + 1, key, s, skipLongerMatches, spans)) {
							record(spans, p, from, s);
							return true;
						}
						if (skipLongerMatches[0]) {
							return false;
						}
						s++;
					}
					// No match for the rest of the pattern anywhere in the rest of the key: an earlier '*'
					// matching more cannot help either.
					skipLongerMatches[0] = true;
					return false;
				}
				case '?' -> s++;
				case '[' -> {
					p++;
					boolean not = at(pat, p) == '^';
					if (not) {
						p++;
					}
					boolean matched = false;
					while (true) {
						if (at(pat, p) == '\\' && patternEnd - p >= 2) {
							p++;
							if (pat[p] == key[s]) {
								matched = true;
							}
						}
						else if (at(pat, p) == ']') {
							break;
						}
						else if (p >= patternEnd) {
							p--;
							break;
						}
						else if (patternEnd - p >= 3 && pat[p + 1] == '-') {
							int start = pat[p];
							int end = pat[p + 2];
							if (start > end) {
								int swap = start;
								start = end;
								end = swap;
							}
							p += 2;
							if (key[s] >= start && key[s] <= end) {
								matched = true;
							}
						}
						else if (pat[p] == key[s]) {
							matched = true;
						}
						p++;
					}
					if (not) {
						matched = !matched;
					}
					if (!matched) {
						return false;
					}
					s++;
				}
				default -> {
					if (pat[p] == '\\' && patternEnd - p >= 2) {
						p++;
					}
					if (pat[p] != key[s]) {
						return false;
					}
					s++;
				}
			}
			p++;
			if (s == keyEnd) {
				while (p < patternEnd && pat[p] == '*') {
					record(spans, p, s, s);
					p++;
				}
				break;
			}
		}
		return p >= patternEnd && s == keyEnd;
	}

	private static void record(int @Nullable [] spans, int p, int from, int to) {
		if (spans != null) {
			spans[2 * p] = from;
			spans[2 * p + 1] = to;
		}
	}

	private static int at(byte[] bytes, int index) {
		return (index < bytes.length) ? bytes[index] : 0;
	}

	private enum Shape {

		LITERAL, PREFIX, GLOB

	}

}
