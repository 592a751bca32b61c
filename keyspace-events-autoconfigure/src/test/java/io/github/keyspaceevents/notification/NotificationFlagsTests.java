package io.github.keyspaceevents.notification;

import io.github.keyspaceevents.KeyspaceEventsConfigurationException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class NotificationFlagsTests {

	@Test
	void comparesAsSetsWhateverTheOrder() {
		assertThat(NotificationFlags.ofServerValue("xE")).isEqualTo(NotificationFlags.ofServerValue("Ex"));
	}

	@Test
	void expandsTheAllAliasWithoutKeyMissOrNew() {
		NotificationFlags all = NotificationFlags.ofServerValue("AK");
		assertThat(all.letters()).isEqualTo("Kg$lshzxetd");
		assertThat(all.containsAll(NotificationFlags.ofServerValue("Ex"))).isFalse();
		assertThat(all.containsAll(NotificationFlags.ofServerValue("Kx"))).isTrue();
		assertThat(all.containsAll(NotificationFlags.ofServerValue("n"))).isFalse();
	}

	@Test
	void mergeKeepsEveryLetterTheServerHad() {
		NotificationFlags server = NotificationFlags.ofServerValue("Kl");
		NotificationFlags merged = server.with(NotificationFlags.ofServerValue("Ex"));
		assertThat(merged.letters()).isEqualTo("KElx");
		assertThat(merged.containsAll(server)).isTrue();
	}

	@Test
	void keepsLettersOfNewerServersItDoesNotKnow() {
		NotificationFlags server = NotificationFlags.ofServerValue("KlZ");
		assertThat(server.with(NotificationFlags.ofServerValue("Ex")).letters()).isEqualTo("KElxZ");
	}

	@Test
	void missingLettersAreTheDifference() {
		NotificationFlags required = NotificationFlags.ofServerValue("Exg");
		assertThat(required.without(NotificationFlags.ofServerValue("gK")).letters()).isEqualTo("Ex");
		assertThat(required.without(NotificationFlags.ofServerValue("EA")).isEmpty()).isTrue();
	}

	@Test
	void configuredLettersAreValidated() {
		assertThatExceptionOfType(KeyspaceEventsConfigurationException.class)
			.isThrownBy(() -> NotificationFlags.ofConfigured("KqY", "some.property"))
			.withMessage("some.property contains invalid notify-keyspace-events letter(s) [q, Y]; "
					+ "valid letters are KEg$lshzxetdmnocA");
	}

	@Test
	void requiredFlagsOfAnEventAreKeyeventPlusItsClass() {
		assertThat(RedisEvents.requiredFlags("expired").letters()).isEqualTo("Ex");
		assertThat(RedisEvents.requiredFlags("rename_to").letters()).isEqualTo("Eg");
		assertThat(RedisEvents.requiredFlags("incrby").letters()).isEqualTo("E$");
		assertThat(RedisEvents.requiredFlags("hset").letters()).isEqualTo("Eh");
		assertThat(RedisEvents.requiredFlags("new").letters()).isEqualTo("En");
	}

}
