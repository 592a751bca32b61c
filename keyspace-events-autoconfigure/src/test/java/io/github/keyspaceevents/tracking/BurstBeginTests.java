package io.github.keyspaceevents.tracking;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A burst claimed ahead of its due time begins in one step whatever its size, and the step still fences: claims
 * cancelled or re-written since do not begin, nor does a claim whose lease ended and was taken over, and nothing
 * begins before its due time by the server's clock.
 */
class BurstBeginTests {

	private static final int KEYS = 5_000;

	// An instance that could not renew (Redis was away longer than the lease) comes to the due time of a claim it made
	// ahead: nobody took the entry over yet. The claim begins, and its lease is renewed in the same step, or the next
	// claim of any instance would take the entry over while this attempt runs: handled twice.
	@Test
	void aClaimWhoseLeaseEndedButWasNotTakenOverBeginsWithItsLeaseRenewed() {
		try (LedgerRedis redis = LedgerRedis.start()) {
			ExpiryLedger ledger = redis.ledger(new TrackingSettings("lapsed", 1,
					Duration.ofSeconds(30), 3, Duration.ZERO, Duration.ZERO, 1000, Duration.ofSeconds(1),
					Duration.ofMinutes(5), Duration.ofDays(1)));
			Instant deadline = Instant.now().plusMillis(500);
			ledger.track("order:1", "v", deadline, null);
			ledger.track("order:2", "v", deadline, null);
			Shard shard = ledger.shards().get(0);
			List<Claim> claims = ledger.claim(shard, 1000, 0, List.of("order:*")).claims();
			assertThat(claims).hasSize(2);
			// Both leases ended long ago, as the instance knows too; order:2 was taken over meanwhile.
			for (Claim claim : claims) {
				redis.server().command("ZADD", shard.leased(), "0", claim.key());
			}
			claims.replaceAll((c) -> new Claim(c.shard(), c.key(), c.value(), c.deadline(), c.attempts(),
					c.token(), 0));
			redis.server().command("HSET", shard.tokens(), "order:2", "someone else's");

			ExpiryLedger.Begin begin = await().pollInterval(Duration.ofMillis(10))
				.until(() -> ledger.begin(claims), (answer) -> answer.current() != null);
			assertThat(begin.current()).containsExactly(true, false);
			assertThat(Double.parseDouble((String) redis.server().command("ZSCORE", shard.leased(), "order:1")))
				.as("lease of the claim that began").isGreaterThan(begin.serverMillis());
			ClaimRound next = ledger.claim(shard, 1000, 0, List.of("order:*"));
			assertThat(next.claims()).extracting(Claim::key).doesNotContain("order:1");
		}
	}

	@Test
	void aBurstClaimedAheadBeginsExceptWhatWasCancelledReWrittenOrTakenOver() {
		try (LedgerRedis redis = LedgerRedis.start()) {
			ExpiryLedger ledger = redis.ledger(new TrackingSettings("burst", 4,
					Duration.ofMinutes(1), 3, Duration.ZERO, Duration.ZERO, 1000, Duration.ofSeconds(1),
					Duration.ofMinutes(5), Duration.ofDays(1)));
			// Far enough that writing, claiming, cancelling and re-writing all happen before it.
			Instant deadline = Instant.now().plusSeconds(4);
			for (int i = 0; i < KEYS; i++) {
				ledger.track("order:" + i, "v", deadline, null);
			}
			List<Claim> claims = new ArrayList<>();
			for (Shard shard : ledger.shards()) {
				ClaimRound round;
				do {
					round = ledger.claim(shard, 1000, 0, List.of("order:*"));
					claims.addAll(round.claims());
				}
				while (!round.claims().isEmpty());
			}
			assertThat(claims).hasSize(KEYS).allMatch((claim) -> claim.startAtMillis() == deadline.toEpochMilli());

			for (int i = 0; i < 100; i++) {
				assertThat(ledger.cancel("order:" + i)).as("cancelled ahead of its due time").isEqualTo(1);
				ledger.track("order:" + (100 + i), "new", deadline.plus(Duration.ofHours(1)), null);
			}
			// Another instance took order:200 over after its lease lapsed: this instance's view of it is stale.
			Claim stale = claims.stream().filter((c) -> c.key().equals("order:200")).findFirst().orElseThrow();
			redis.server().command("ZADD", stale.shard().leased(), "0", "order:200");
			assertThat(ledger.claim(stale.shard(), 1000, 0, List.of("order:*")).claims())
				.extracting(Claim::key).containsExactly("order:200");
			claims.replaceAll((c) -> (c == stale) ? new Claim(c.shard(), c.key(), c.value(), c.deadline(),
					c.attempts(), c.token(), 0) : c);

			assertThat(ledger.begin(claims).current()).as("told to wait before the due time").isNull();
			ExpiryLedger.Begin begin = await().pollInterval(Duration.ofMillis(10))
				.until(() -> ledger.begin(claims), (answer) -> answer.current() != null);
			assertThat(begin.serverMillis()).isGreaterThanOrEqualTo(deadline.toEpochMilli());
			Map<Boolean, Set<String>> byAnswer = new HashMap<>();
			for (int i = 0; i < claims.size(); i++) {
				byAnswer.computeIfAbsent(begin.current().get(i), (b) -> new HashSet<>())
					.add(claims.get(i).key());
			}
			Set<String> expectedLost = IntStream.rangeClosed(0, 200)
				.mapToObj((i) -> "order:" + i)
				.collect(Collectors.toSet());
			assertThat(byAnswer.get(false)).isEqualTo(expectedLost);
			assertThat(byAnswer.get(true)).hasSize(KEYS - expectedLost.size()).doesNotContainAnyElementsOf(expectedLost);
		}
	}

}
