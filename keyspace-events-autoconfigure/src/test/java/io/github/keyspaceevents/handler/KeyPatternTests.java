package io.github.keyspaceevents.handler;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class KeyPatternTests {

	@ParameterizedTest(name = "''{0}'' vs ''{1}'' -> {2}")
	@CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
			order:*        | order:42         | true
			order:*        | order:           | true
			order:*        | orders:42        | false
			order:*        | order            | false
			order:42       | order:42         | true
			order:42       | order:420        | false
			*              | anything         | true
			*:*            | a:b              | true
			*:*            | ab               | false
			order:?        | order:7          | true
			order:?        | order:77         | false
			order:[abc]    | order:b          | true
			order:[abc]    | order:d          | false
			order:[^abc]   | order:d          | true
			order:[^abc]   | order:a          | false
			order:[a-c]    | order:b          | true
			order:[c-a]    | order:b          | true
			order:[a-c]    | order:d          | false
			"order:\\*"    | order:*          | true
			"order:\\*"    | order:1          | false
			"order:[\\]]"  | order:]          | true
			"a\\?"         | a?               | true
			"a\\?"         | ab               | false
			order:[ab      | order:a          | true
			order:[ab      | order:c          | false
			order:{42}     | order:{42}       | true
			order:{4*      | order:{42}       | true
			a*b*c          | aXXbYYc          | true
			a*b*c          | aXXbYY           | false
			**a            | bba              | true
			[              | [                | false
			"\\"           | "\\"             | true
			""" )
	void matchesLikeRedis(String pattern, String key, boolean expected) {
		assertThat(KeyPattern.compile(pattern).matches(key)).isEqualTo(expected);
	}

	@ParameterizedTest
	@CsvSource({ "a*", "?", "**", "*?" })
	void matchesTheEmptyKeyOnlyWithALoneStarAsKeysDoes(String pattern) {
		assertThat(KeyPattern.compile(pattern).matches("")).isFalse();
		assertThat(KeyPattern.compile("*").matches("")).isTrue();
	}

}
