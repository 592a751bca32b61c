package io.github.keyspaceevents.handler;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A declared key pattern with its variables taken out: {@code order:{id}} is the glob {@code order:*} whose one
 * {@code *} is the variable {@code id}. Only names of the method's {@code @KeyVariable} parameters are variables;
 * other braces, escaped ones and braces inside a {@code [...]} set stay literal.
 *
 * @param declared the pattern as declared
 * @param glob the Redis glob the key must match: each variable replaced by {@code *}
 * @param variables the variables, in the order they appear
 * @param starIndexes for each variable, the index of its {@code *} in the glob's UTF-8 bytes
 */
record KeyTemplate(String declared, String glob, List<String> variables, int[] starIndexes) {

	/**
	 * Take the variables out of a declared pattern.
	 * @param declared the pattern as declared
	 * @param variableNames the names of the method's key variables
	 * @return the template
	 * @throws IllegalArgumentException if a variable appears twice, or touches a {@code *} or another variable
	 */
	static KeyTemplate parse(String declared, Set<String> variableNames) {
		StringBuilder glob = new StringBuilder(declared.length());
		List<String> variables = new ArrayList<>();
		List<Integer> starChars = new ArrayList<>();
		// Whether each char of the glob so far is a wildcard '*' (not escaped, not in a set).
		List<Boolean> wildcard = new ArrayList<>();
		boolean inSet = false;
		int i = 0;
		while (i < declared.length()) {
			char c = declared.charAt(i);
			if (c == '\\' && i + 1 < declared.length()) {
				append(glob, wildcard, declared.substring(i, i + 2), false);
				i += 2;
				continue;
			}
			if (inSet) {
				inSet = c != ']';
			}
			else if (c == '[') {
				inSet = true;
			}
			else if (c == '{') {
				int close = declared.indexOf('}', i + 1);
				String name = (close > 0) ? declared.substring(i + 1, close) : null;
				if (name != null && variableNames.contains(name)) {
					if (variables.contains(name)) {
						throw new IllegalArgumentException(
								"key pattern \"%s\" declares the variable {%s} twice".formatted(declared, name));
					}
					boolean afterWildcard = !wildcard.isEmpty() && wildcard.get(wildcard.size() - 1);
					boolean beforeWildcard = close + 1 < declared.length() && (declared.charAt(close + 1) == '*'
							|| startsVariable(declared, close + 1, variableNames));
					if (afterWildcard || beforeWildcard) {
						throw new IllegalArgumentException(("key pattern \"%s\": the variable {%s} touches a '*' or "
								+ "another variable, so where it ends is undefined; put a literal between them")
							.formatted(declared, name));
					}
					variables.add(name);
					starChars.add(glob.length());
					append(glob, wildcard, "*", true);
					i = close + 1;
					continue;
				}
			}
			append(glob, wildcard, String.valueOf(c), c == '*' && !inSet);
			i++;
		}
		String globText = glob.toString();
		int[] starIndexes = new int[starChars.size()];
		for (int v = 0; v < starIndexes.length; v++) {
			// The glob is matched on UTF-8 bytes: where the variable's '*' is among them.
			starIndexes[v] = globText.substring(0, starChars.get(v))
				.getBytes(StandardCharsets.UTF_8).length;
		}
		return new KeyTemplate(declared, globText, List.copyOf(variables), starIndexes);
	}

	private static boolean startsVariable(String declared, int at, Set<String> variableNames) {
		if (declared.charAt(at) != '{') {
			return false;
		}
		int close = declared.indexOf('}', at + 1);
		return close > 0 && variableNames.contains(declared.substring(at + 1, close));
	}

	private static void append(StringBuilder glob, List<Boolean> wildcard, String text, boolean isWildcard) {
		glob.append(text);
		for (int i = 0; i < text.length(); i++) {
			wildcard.add(isWildcard && i == text.length() - 1);
		}
	}

}
