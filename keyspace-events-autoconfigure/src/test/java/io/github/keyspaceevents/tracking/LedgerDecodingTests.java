package io.github.keyspaceevents.tracking;

import java.time.Instant;

import io.github.keyspaceevents.TrackedExpirations.DeadLetter;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the ledger's stored forms read back: dead letters and claim tokens. Pure logic: no Redis.
 */
class LedgerDecodingTests {

	@Test
	void aDeadLetterKeepsItsValueAttemptsTimesAndAnErrorWithColons() {
		DeadLetter dead = DeadLetterStore.decode("order:1",
				"1700000000000:3:1700000005000:java.lang.IllegalStateException: stock: none left\nvpaid: yes");
		assertThat(dead).isEqualTo(new DeadLetter("order:1", "paid: yes", 3,
				"java.lang.IllegalStateException: stock: none left", Instant.ofEpochMilli(1700000005000L),
				Instant.ofEpochMilli(1700000000000L)));
	}

	@Test
	void aDeadLetterWrittenWithoutAValueHasNoneAndAnEmptyValueStaysEmpty() {
		assertThat(DeadLetterStore.decode("k", "5:1:6:boom\n-").value()).isNull();
		assertThat(DeadLetterStore.decode("k", "5:1:6:boom\nv").value()).isEmpty();
	}

	@Test
	void aDeadLetterWithADeadlineBeforeTheEpochReadsBack() {
		assertThat(DeadLetterStore.decode("k", "-86400000:1:6:boom\n-").deadline())
			.isEqualTo(Instant.ofEpochMilli(-86_400_000L));
	}

	@Test
	void aClaimReadsItsDueTimeFromItsToken() {
		Claim claim = new Claim(Shard.of("ns", 3), "order:1", null, Instant.ofEpochMilli(5), 0, "17@1700000000123",
				1700000030000L);
		assertThat(claim.startAtMillis()).isEqualTo(1700000000123L);
		assertThat(new Claim(Shard.of("ns", 0), "k", null, Instant.EPOCH, 0, "2@-5", 0).startAtMillis()).isEqualTo(-5);
	}

}
