package io.github.keyspaceevents.tracking;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.github.keyspaceevents.TrackedExpirations.Expiry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How far ahead of their due time entries are claimed: a burst as far as claiming it needs (up to claim-ahead), a
 * steady flow only a short lead ahead, so that an instance does not hold claim-ahead's worth of claims in memory.
 */
class ClaimLeadTests {

	private static final Duration CLAIM_AHEAD = Duration.ofSeconds(5);

	// A tenth of claim-ahead.
	private static final long MARGIN_MILLIS = 500;

	private static final List<String> ALL = List.of("order:*");

	@Test
	void aSteadyFlowIsClaimedOnlyAShortLeadAhead() {
		try (LedgerRedis redis = LedgerRedis.start()) {
			ExpiryLedger ledger = redis.ledger(settings("steady"));
			// One entry due per millisecond over the next 3 s: claiming a stretch of them takes a fiftieth of it, so the lead
			// is the margin and a little.
			long from = System.currentTimeMillis() + 500;
			List<Expiry> flow = new ArrayList<>();
			for (int i = 0; i < 3_000; i++) {
				flow.add(new Expiry("order:" + i, "v", Instant.ofEpochMilli(from + i)));
			}
			ledger.trackAll(flow);
			await().until(() -> System.currentTimeMillis() >= from);
			ClaimRound round = ledger.claim(ledger.shards().get(0), 1000, 0, ALL);
			assertThat(round.horizonMillis() - round.serverMillis()).as("lead")
				.isBetween(MARGIN_MILLIS, MARGIN_MILLIS + 100);
			assertThat(round.claims()).isNotEmpty()
				.allMatch((claim) -> claim.startAtMillis() <= round.horizonMillis())
				.hasSizeLessThanOrEqualTo((int) (round.horizonMillis() - from + 1));
			assertThat(round.lookAgainAtMillis()).as("the next entry comes within the lead at once")
				.isEqualTo(round.serverMillis() + 1);
		}
	}

	@Test
	void aBurstIsClaimedAheadAsFarAsClaimingItNeeds() {
		try (LedgerRedis redis = LedgerRedis.start()) {
			ExpiryLedger ledger = redis.ledger(settings("burst"));
			Shard shard = ledger.shards().get(0);
			Instant later = Instant.now().plusSeconds(60);
			ledger.track("order:later", "v", later, null);
			assertThat(ledger.claim(shard, 1000, 0, ALL).lookAgainAtMillis())
				.as("when the next entry comes within claim-ahead")
				.isEqualTo(later.toEpochMilli() - CLAIM_AHEAD.toMillis());

			// 30,000 due at one moment, reckoned at 0.6 s of claiming: claimed from 1.1 s ahead (with the margin), not 5 s.
			Instant dueAt = Instant.now().plusSeconds(4);
			List<Expiry> burst = new ArrayList<>();
			for (int i = 0; i < 30_000; i++) {
				burst.add(new Expiry("order:" + i, "v", dueAt));
			}
			ledger.trackAll(burst);
			ClaimRound withinClaimAhead = ledger.claim(shard, 1000, 0, ALL);
			assertThat(withinClaimAhead.claims()).isEmpty();
			assertThat(withinClaimAhead.horizonMillis()).isLessThan(dueAt.toEpochMilli());
			assertThat(withinClaimAhead.lookAgainAtMillis()).as("within 50 ms, to see whether it needs claiming yet")
				.isEqualTo(withinClaimAhead.serverMillis() + 50);

			await().until(() -> System.currentTimeMillis() >= dueAt.toEpochMilli() - 1_000);
			ClaimRound first = ledger.claim(shard, 1000, 0, ALL);
			assertThat(first.horizonMillis()).as("the lead covers the burst").isGreaterThanOrEqualTo(dueAt.toEpochMilli());
			List<Claim> claims = new ArrayList<>(first.claims());
			// Each claim looks again at what is left: the rest as it needs to be, all of it by its due time.
			await().pollInterval(Duration.ofMillis(10)).until(() -> {
				claims.addAll(ledger.claim(shard, 1000, 0, ALL).claims());
				return claims.size() >= 30_000;
			});
			assertThat(claims).hasSize(30_000).allMatch((claim) -> claim.startAtMillis() == dueAt.toEpochMilli());
		}
	}

	@Test
	void withoutClaimAheadNothingIsClaimedBeforeItIsDue() {
		try (LedgerRedis redis = LedgerRedis.start()) {
			ExpiryLedger ledger = redis.ledger(new TrackingSettings("none", 1, Duration.ofSeconds(30), 3,
					Duration.ZERO, Duration.ZERO, 1000, Duration.ofSeconds(1), Duration.ZERO, Duration.ofDays(1)));
			Instant dueAt = Instant.now().plusSeconds(3);
			List<Expiry> burst = new ArrayList<>();
			for (int i = 0; i < 30_000; i++) {
				burst.add(new Expiry("order:" + i, "v", dueAt));
			}
			ledger.trackAll(burst);
			ClaimRound round = ledger.claim(ledger.shards().get(0), 1000, 0, ALL);
			assertThat(round.claims()).isEmpty();
			assertThat(round.horizonMillis()).isEqualTo(round.serverMillis());
			assertThat(round.lookAgainAtMillis()).isEqualTo(dueAt.toEpochMilli());
		}
	}

	private static TrackingSettings settings(String namespace) {
		return new TrackingSettings(namespace, 1, Duration.ofSeconds(30), 3, Duration.ZERO, Duration.ZERO, 1000,
				Duration.ofSeconds(1), CLAIM_AHEAD, Duration.ofDays(1));
	}

}
