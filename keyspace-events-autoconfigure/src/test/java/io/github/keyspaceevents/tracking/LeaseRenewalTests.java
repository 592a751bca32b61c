package io.github.keyspaceevents.tracking;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Leases are renewed by a thread of their own, with nothing else of the scheduler running: held claims outlive many
 * leases; once renewal stops they lapse one lease later, and its thread is gone.
 */
@ExtendWith(OutputCaptureExtension.class)
class LeaseRenewalTests {

	// Long enough that a machine pausing this JVM for a few hundred milliseconds does not make a lease lapse.
	private static final Duration LEASE = Duration.ofMillis(1500);

	private static final Duration SHORT_LEASE = Duration.ofMillis(600);

	private static final int KEYS = 300;

	@Test
	void heldClaimsStayHeldWhileRenewedAndLapseOneLeaseAfterRenewalStops() {
		try (LedgerRedis redis = LedgerRedis.start()) {
			TrackingSettings settings = new TrackingSettings("renewal", 4, LEASE, 3, Duration.ofMillis(50),
					Duration.ofSeconds(1), 1000, Duration.ofSeconds(1), Duration.ZERO, Duration.ofDays(1));
			ExpiryLedger ledger = redis.ledger(settings);
			for (int i = 0; i < KEYS; i++) {
				ledger.track("order:" + i, "v", Instant.now(), null);
			}
			ServerClock clock = new ServerClock();
			ClaimsHeld held = new ClaimsHeld(ledger, LEASE.dividedBy(3).toMillis());
			for (Claim claim : claimAll(ledger, clock).claims()) {
				held.add(new ClaimAttempt(claim, settings, new RecordingHost()));
			}
			assertThat(held.size()).isEqualTo(KEYS);
			LeaseRenewal renewal = new LeaseRenewal(held, clock, LEASE);
			renewal.start();
			Instant longAfterTheFirstLease = Instant.now().plus(LEASE.multipliedBy(5));
			await().until(() -> Instant.now().isAfter(longAfterTheFirstLease));
			Claims again = claimAll(ledger, clock);
			assertThat(again.claims()).as("claims made while the first holder renews").isEmpty();
			assertThat(again.lapsed()).isZero();

			renewal.stop();
			await().until(() -> Thread.getAllStackTraces().keySet().stream()
				.noneMatch((thread) -> thread.getName().startsWith("keyspace-events-lease-renewal")));
			// The lapses may be found in one call and claimed again in the next.
			List<Claim> reclaimed = new ArrayList<>();
			AtomicInteger lapsed = new AtomicInteger();
			await().until(() -> {
				Claims claims = claimAll(ledger, clock);
				reclaimed.addAll(claims.claims());
				lapsed.addAndGet(claims.lapsed());
				return reclaimed.size() >= KEYS;
			});
			assertThat(lapsed).hasValue(KEYS);
			assertThat(reclaimed).hasSize(KEYS).allMatch((claim) -> claim.attempts() == 1);
		}
	}

	// A hung Redis holds a renewal up; the next one comes late and says why, so that a duplicate that may follow can
	// be explained from the log.
	@Test
	void aRenewalHeldUpByAHungRedisIsLoggedWithItsCause(CapturedOutput output) {
		try (LedgerRedis redis = LedgerRedis.start()) {
			TrackingSettings settings = new TrackingSettings("hung", 1, SHORT_LEASE, 3, Duration.ofMillis(50),
					Duration.ofSeconds(1), 1000, Duration.ofSeconds(1), Duration.ZERO, Duration.ofDays(1));
			ExpiryLedger ledger = redis.ledger(settings);
			ledger.track("order:1", "v", Instant.now(), null);
			ServerClock clock = new ServerClock();
			ClaimsHeld held = new ClaimsHeld(ledger, SHORT_LEASE.dividedBy(3).toMillis());
			for (Claim claim : claimAll(ledger, clock).claims()) {
				held.add(new ClaimAttempt(claim, settings, new RecordingHost()));
			}
			LeaseRenewal renewal = new LeaseRenewal(held, clock, SHORT_LEASE);
			renewal.start();
			try {
				redis.server().suspend();
				Instant resumeAt = Instant.now().plusSeconds(1);
				await().until(() -> Instant.now().isAfter(resumeAt));
				redis.server().resume();
				await().until(() -> output.getOut().contains("Tracked expiry leases were renewed"));
				assertThat(output.getOut()).containsPattern("the previous renewal waited \\d+ ms for Redis")
					.contains("keyspace-events.tracking.lease=PT0.6S");
			}
			finally {
				renewal.stop();
			}
		}
	}

	private static Claims claimAll(ExpiryLedger ledger, ServerClock clock) {
		List<Claim> claims = new ArrayList<>();
		int lapsed = 0;
		for (Shard shard : ledger.shards()) {
			long sentAt = System.currentTimeMillis();
			ClaimRound round = ledger.claim(shard, 1000, 0, List.of("order:*"));
			clock.sample(round.serverMillis(), sentAt);
			claims.addAll(round.claims());
			lapsed += round.lapsed();
		}
		return new Claims(claims, lapsed);
	}

	private record Claims(List<Claim> claims, int lapsed) {
	}

}
