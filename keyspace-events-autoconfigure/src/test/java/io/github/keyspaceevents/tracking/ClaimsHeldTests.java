package io.github.keyspaceevents.tracking;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Claims are held by shard and token: tokens count per shard, so two shards hand out the same tokens, and a claim lost
 * on one shard must not take its twin on the other with it.
 */
class ClaimsHeldTests {

	@Test
	void aClaimLostOnOneShardLeavesTheClaimWithTheSameTokenOnAnotherHeld() {
		try (LedgerRedis redis = LedgerRedis.start()) {
			TrackingSettings settings = new TrackingSettings("held", 2, Duration.ofSeconds(30), 3, Duration.ZERO,
					Duration.ZERO, 1000, Duration.ofSeconds(1), Duration.ZERO, Duration.ofDays(1));
			ExpiryLedger ledger = redis.ledger(settings);
			// One key on each shard, due at the same time, so that both claims have the token 1@<that time>.
			Instant deadline = Instant.now();
			List<String> keys = new ArrayList<>();
			for (int i = 0; keys.size() < 2; i++) {
				String key = "order:" + i;
				if (ledger.shardOf(key).index() == keys.size()) {
					keys.add(key);
					ledger.track(key, "v", deadline, null);
				}
			}
			ClaimsHeld held = new ClaimsHeld(ledger, 0);
			RecordingHost host = new RecordingHost();
			List<ClaimAttempt> attempts = new ArrayList<>();
			for (Shard shard : ledger.shards()) {
				for (Claim claim : ledger.claim(shard, 10, 0, List.of("order:*")).claims()) {
					ClaimAttempt attempt = new ClaimAttempt(claim, settings, host);
					attempts.add(attempt);
					held.add(attempt);
				}
			}
			assertThat(attempts).extracting((attempt) -> attempt.claim().token())
				.containsExactly("1@" + deadline.toEpochMilli(), "1@" + deadline.toEpochMilli());
			assertThat(held.size()).isEqualTo(2);

			ledger.track(keys.get(1), "re-written", Instant.now().plusSeconds(60), null);
			held.renew(System.currentTimeMillis());
			assertThat(attempts.get(0).begin()).as("the claim on shard 0").isTrue();
			assertThat(attempts.get(1).begin()).as("the re-written key's claim on shard 1").isFalse();
			assertThat(host.forgotten).containsExactly(attempts.get(1).claim());
			assertThat(held.get(attempts.get(0).claim())).isSameAs(attempts.get(0));
			assertThat(held.remove(attempts.get(1).claim())).isSameAs(attempts.get(1));
			assertThat(held.size()).isEqualTo(1);
		}
	}

}
