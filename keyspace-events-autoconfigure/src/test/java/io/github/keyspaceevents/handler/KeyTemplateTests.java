package io.github.keyspaceevents.handler;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Key variables: which braces are variables, the glob left for matching, and what each variable captures.
 */
class KeyTemplateTests {

	@ParameterizedTest(name = "''{0}'' -> ''{1}''")
	@CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
			order:{id}                | order:*              | id
			user:{userId}:cart:{id}   | user:*:cart:*        | userId,id
			{id}                      | *                    | id
			{user}:{id}               | {user}:*             | id
			order:{other}:{id}        | order:{other}:*      | id
			"order:\\{id}"            | "order:\\{id}"       | ""
			order:[{id}]:{id}         | order:[{id}]:*       | id
			order:{id                 | order:{id            | ""
			""")
	void variablesAreOnlyTheNamesTheMethodAsksFor(String declared, String glob, String variables) {
		KeyTemplate template = KeyTemplate.parse(declared, Set.of("id", "userId"));
		assertThat(template.glob()).isEqualTo(glob);
		assertThat(template.variables())
			.isEqualTo(variables.isEmpty() ? List.of() : Arrays.asList(variables.split(",")));
	}

	@Test
	void starIndexesCountUtf8Bytes() {
		KeyTemplate template = KeyTemplate.parse("bestellung:ü:{id}", Set.of("id"));
		assertThat(template.starIndexes()).containsExactly("bestellung:ü:".getBytes(StandardCharsets.UTF_8).length);
	}

	@Test
	void variableDeclaredTwiceIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> KeyTemplate.parse("a:{id}:{id}", Set.of("id")))
			.withMessageContaining("declares the variable {id} twice");
	}

	@ParameterizedTest
	@CsvSource({ "order:*{id}", "order:{id}*", "{a}{b}", "order:{a}{b}:x" })
	void variableTouchingAWildcardOrAnotherVariableIsRefused(String declared) {
		assertThatIllegalArgumentException().isThrownBy(() -> KeyTemplate.parse(declared, Set.of("id", "a", "b")))
			.withMessageContaining("touches a '*' or another variable");
	}

	@Test
	void escapedStarBeforeAVariableIsALiteral() {
		assertThat(KeyTemplate.parse("a\\*{id}", Set.of("id")).glob()).isEqualTo("a\\**");
	}

	@ParameterizedTest(name = "''{0}'' on ''{1}'' -> {2}")
	@CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
			order:{id}                 | order:42             | 42
			order:{id}                 | order:               | ""
			user:{a}:cart:{b}          | user:7:cart:9        | 7,9
			{a}:{b}                    | x:y:z                | x,y:z
			a:{a}:?:{b}                | a:12:x:tail          | 12,tail
			*:{a}:x                    | p:q:r:x              | q:r
			[ab]:{a}                   | b:value              | value
			bestellung:{a}:ü:{b}       | bestellung:€:ü:ß     | €,ß
			{a}                        | whole                | whole
			""")
	void eachVariableCapturesAsLittleAsItCanFromLeftToRight(String declared, String key, String expected) {
		KeyTemplate template = KeyTemplate.parse(declared, Set.of("a", "b", "id"));
		KeyPattern pattern = KeyPattern.compile(template.glob());
		String[] captured = pattern.capture(key.getBytes(StandardCharsets.UTF_8), template.starIndexes());
		assertThat(captured).isNotNull();
		assertThat(String.join(",", captured)).isEqualTo(expected);
	}

	@Test
	void keyThatDoesNotMatchCapturesNothing() {
		KeyTemplate template = KeyTemplate.parse("order:{id}:x", Set.of("id"));
		KeyPattern pattern = KeyPattern.compile(template.glob());
		assertThat(pattern.capture("order:1:y".getBytes(StandardCharsets.UTF_8), template.starIndexes())).isNull();
		assertThat(pattern.capture("invoice:1".getBytes(StandardCharsets.UTF_8), template.starIndexes())).isNull();
	}

	@Test
	void captureAgreesWithMatching() {
		KeyTemplate template = KeyTemplate.parse("a*b:{a}:c?d", Set.of("a"));
		KeyPattern pattern = KeyPattern.compile(template.glob());
		for (String key : List.of("aXb:1:cxd", "ab:1:cd", "ab::cxd", "aXXb:1:2:cyd", "b:1:cxd")) {
			byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
			assertThat(pattern.capture(bytes, template.starIndexes()) != null).as(key)
				.isEqualTo(pattern.matches(bytes));
		}
	}

}
