package io.github.keyspaceevents.tracking;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When a claimed expiry may begin on its lane, and what it settles as otherwise.
 */
class ClaimAttemptTests {

	private static final TrackingSettings SETTINGS = new TrackingSettings("attempts", 1, Duration.ofSeconds(30), 3,
			Duration.ofSeconds(1), Duration.ofMinutes(1), 100, Duration.ofSeconds(1), Duration.ZERO,
			Duration.ofDays(1));

	private final Claim claim = new Claim(Shard.of("attempts", 0), "order:1", null, Instant.ofEpochMilli(1_000), 0,
			"7@1000", 31_000);

	private final RecordingHost host = new RecordingHost();

	@Test
	void anAttemptWhoseLeaseHoldsBeginsAndSettlesOnceAsDone() {
		ClaimAttempt attempt = new ClaimAttempt(this.claim, SETTINGS, this.host);
		assertThat(attempt.begin()).isTrue();
		assertThat(this.host.renewedAtAsked).containsExactly(1_000L);
		attempt.end(null);
		attempt.giveBack();
		assertThat(this.host.outcomes).extracting(Outcome::kind).containsExactly(Outcome.Kind.DONE);
	}

	@Test
	void anAttemptWhoseLeaseMayHaveEndedDoesNotBeginAndIsGivenBack() {
		this.host.leaseEnded = true;
		ClaimAttempt attempt = new ClaimAttempt(this.claim, SETTINGS, this.host);
		assertThat(attempt.begin()).isFalse();
		assertThat(this.host.outcomes).extracting(Outcome::kind).containsExactly(Outcome.Kind.GIVEN_BACK);
		assertThat(attempt.settled()).isTrue();
	}

	@Test
	void aRenewalMovesTheLeaseStartOnlyForward() {
		ClaimAttempt attempt = new ClaimAttempt(this.claim, SETTINGS, this.host);
		attempt.renewed(5_000);
		attempt.renewed(2_000);
		assertThat(attempt.renewedAtMillis()).isEqualTo(5_000);
		assertThat(attempt.begin()).isTrue();
		assertThat(this.host.renewedAtAsked).containsExactly(5_000L);
	}

	@Test
	void aLostClaimDoesNotBeginAndIsForgottenWithoutAnOutcome() {
		ClaimAttempt attempt = new ClaimAttempt(this.claim, SETTINGS, this.host);
		attempt.lose();
		assertThat(attempt.begin()).isFalse();
		assertThat(this.host.forgotten).containsExactly(this.claim);
		assertThat(this.host.outcomes).isEmpty();
	}

}
