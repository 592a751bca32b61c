package io.github.keyspaceevents.tracking;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import io.github.keyspaceevents.launcher.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drives one real Redis through random interleavings of the ledger's transitions from three simulated instances
 * (write, re-write, cancel, claim, claim ahead, begin, renew, done, fail, give back, lease lapse, crash, shutdown) and
 * compares Redis with a model after every step: each live expiry is in exactly one state, a claim takes exactly what
 * is due (or due within the claim-ahead window) and matches the instance's handlers, an attempt begins only at its due
 * time by the server's clock and only while its claim holds, fenced outcomes change nothing, and at the end every
 * expiry that was neither cancelled nor re-written was handled exactly once or dead-lettered. Seeded: a failure names
 * the seed and step to replay (near deadlines, a tenth of a second ahead, make the exact interleaving depend on time
 * too; every check is against the server's clock as its replies give it).
 */
class LedgerModelTests {

	private static final int STEPS = Integer.getInteger("ledger.model.steps", 300);

	private static final List<String> KEYS = List.of("k0", "k1", "k2", "k3", "k4", "k5");

	// Instance 2 only handles k0..k2: it must never claim the others.
	private static final List<List<String>> PATTERNS = List.of(List.of("*"), List.of("k*"), List.of("k[0-2]"));

	private static final int MAX_ATTEMPTS = 3;

	// A handful of entries never needs more than the least lead, a tenth of this: 100 ms, within which the near
	// deadlines below fall.
	private static final long AHEAD_MILLIS = 1_000;

	// How often the claim-ahead transitions were taken, over all seeds.
	private static final Map<String, Integer> COVERAGE = new java.util.concurrent.ConcurrentHashMap<>();

	private static RedisServerProcess redis;

	private static LettuceConnectionFactory connectionFactory;

	private static StringRedisTemplate template;

	private ExpiryLedger ledger;

	private Random random;

	private final Map<String, Entry> model = new HashMap<>();

	private final List<List<Claim>> held = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());

	// Claims whose attempt began: made when due, or confirmed by begin at their due time.
	private final Set<Claim> begun = new java.util.HashSet<>();

	private final Map<String, Integer> accepted = new HashMap<>();

	private final List<String> mustEnd = new ArrayList<>();

	private final Set<String> buried = new java.util.HashSet<>();

	private String trace = "";

	// The last steps, shown when a check fails.
	private final java.util.Deque<String> log = new java.util.ArrayDeque<>();

	@BeforeAll
	static void startRedis() {
		redis = RedisServerProcess.start();
		connectionFactory = new LettuceConnectionFactory("127.0.0.1", redis.port());
		connectionFactory.afterPropertiesSet();
		connectionFactory.start();
		template = new StringRedisTemplate(connectionFactory);
	}

	@AfterAll
	static void stopRedis() {
		// The seeds must reach the claim-ahead transitions, or the run proves nothing about them.
		assertThat(COVERAGE).as("claim-ahead transitions reached").containsKey("ahead").containsKey("began")
			.containsKey("lost").containsKey("lookedUp");
		connectionFactory.destroy();
		redis.close();
	}

	static List<Long> seeds() {
		return List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 42L, 20261122L);
	}

	@ParameterizedTest(name = "seed {0}")
	@MethodSource("seeds")
	void randomInterleavingsKeepEveryExpiryInExactlyOneStateAndHandledOnce(long seed) {
		template.execute((org.springframework.data.redis.core.RedisCallback<Object>) (c) -> {
			c.serverCommands().flushAll();
			return null;
		});
		this.ledger = new ExpiryLedger(connectionFactory, new TrackingSettings("model", 2, Duration.ofMinutes(1),
				MAX_ATTEMPTS, Duration.ZERO, Duration.ZERO, 100, Duration.ofSeconds(1), Duration.ofMillis(AHEAD_MILLIS),
				Duration.ofDays(1)));
		this.random = new Random(seed);
		for (int step = 0; step < STEPS; step++) {
			this.trace = "seed " + seed + ", step " + step;
			randomStep();
			if (this.log.size() > 12) {
				this.log.removeFirst();
			}
			checkRedisMatchesModel();
		}
		drain();
		checkRedisMatchesModel();
		for (String version : this.mustEnd) {
			boolean dead = this.buried.contains(version);
			assertThat(dead ^ this.accepted.getOrDefault(version, 0) == 1)
				.as("%s: %s handled once or dead-lettered (accepted %s)", this.trace, version, this.accepted.get(version))
				.isTrue();
		}
		assertThat(this.accepted.values()).as("no expiry recorded as handled twice").allMatch((n) -> n == 1);
	}

	private void randomStep() {
		int instance = this.random.nextInt(3);
		String key = KEYS.get(this.random.nextInt(KEYS.size()));
		int operation = this.random.nextInt(11);
		this.log.add(operation + "/" + instance + "/" + key);
		switch (operation) {
			case 0, 1 -> write(key);
			case 2 -> cancel(key);
			case 3, 4 -> claim(instance);
			case 5, 6 -> settleOne(instance);
			case 7 -> lapse(key);
			case 8 -> renew(instance);
			case 9 -> beginOne(instance);
			default -> {
				if (this.random.nextBoolean()) {
					// kill -9: the instance forgets what it held; only a lapse frees it
					this.held.get(instance).clear();
				}
				else {
					// graceful shutdown: everything not begun is given back
					List<Claim> claims = new ArrayList<>(this.held.get(instance));
					this.held.get(instance).clear();
					claims.forEach((claim) -> settle(Outcome.givenBack(claim)));
				}
			}
		}
	}

	private void write(String key) {
		int kind = this.random.nextInt(10);
		boolean future = kind == 0;
		// Near deadlines fall in the claim-ahead window, or soon will.
		Instant deadline = future ? Instant.now().plus(Duration.ofHours(1))
				: (kind < 3) ? Instant.now().plusMillis(this.random.nextInt(200)) : Instant.ofEpochMilli(1_000);
		this.ledger.track(key, "v" + this.random.nextInt(100), deadline, null);
		Entry previous = this.model.get(key);
		int generation = (previous != null) ? previous.generation + 1 : 1;
		if (previous != null && previous.isLive()) {
			this.mustEnd.remove(previous.version);
		}
		Entry entry = new Entry(key + "#" + generation, generation, future);
		this.model.put(key, entry);
		if (!future) {
			this.mustEnd.add(entry.version);
		}
	}

	private void cancel(String key) {
		Entry entry = this.model.get(key);
		// Server and test share this machine's clock; a claim whose due time falls within the call may go either way.
		long before = System.currentTimeMillis();
		long result = this.ledger.cancel(key);
		long after = System.currentTimeMillis();
		if (entry == null || !entry.isLive()) {
			assertThat(result).as(this.trace + ": cancel " + key).isEqualTo(-1);
		}
		else if (entry.state == State.SCHEDULED || entry.startAt > after) {
			assertThat(result).as(this.trace + ": cancel before its attempt could begin " + key).isEqualTo(1);
		}
		else if (entry.startAt <= before) {
			assertThat(result).as(this.trace + ": cancel while its attempt may run " + key).isEqualTo(0);
		}
		else {
			assertThat(result).as(this.trace + ": cancel " + key).isIn(0L, 1L);
		}
		if (entry != null && entry.isLive()) {
			this.mustEnd.remove(entry.version);
			entry.state = State.GONE;
			entry.lapsed = false;
		}
	}

	private void claim(int instance) {
		// Lapsed leases are given back by any claim, on their shard.
		List<String> claimed = new ArrayList<>();
		for (Shard shard : this.ledger.shards()) {
			List<Entry> lapsed = this.model.values().stream()
				.filter((e) -> e.lapsed && e.state == State.CLAIMED && this.ledger.shardOf(e.key()).equals(shard))
				.toList();
			ClaimRound round = this.ledger.claim(shard, 100, 0, PATTERNS.get(instance));
			long now = round.serverMillis();
			assertThat(round.horizonMillis()).as(this.trace + ": lead beyond claim-ahead")
				.isBetween(now, now + AHEAD_MILLIS);
			// A lapsed claim whose due time had not come charges no attempt.
			lapsed.forEach((entry) -> applyLapse(entry, entry.startAt <= now));
			for (Claim claim : round.claims()) {
				Entry entry = this.model.get(claim.key());
				assertThat(entry).as(this.trace + ": claimed unknown " + claim.key()).isNotNull();
				assertThat(entry.state).as(this.trace + ": claimed " + entry.version).isEqualTo(State.SCHEDULED);
				assertThat(entry.future).as(this.trace + ": claimed an hour before its deadline").isFalse();
				assertThat(claim.startAtMillis()).as(this.trace + ": claimed beyond the lead")
					.isLessThanOrEqualTo(round.horizonMillis());
				assertThat(entry.attempts).isEqualTo(claim.attempts());
				entry.state = State.CLAIMED;
				entry.token = claim.token();
				entry.startAt = claim.startAtMillis();
				this.held.get(instance).add(claim);
				if (claim.startAtMillis() <= now) {
					this.begun.add(claim);
				}
				else {
					COVERAGE.merge("ahead", 1, Integer::sum);
				}
				claimed.add(claim.key());
			}
			for (Entry entry : this.model.values()) {
				boolean mine = instance != 2 || entry.key().compareTo("k3") < 0;
				Double dueAt = template.opsForZSet().score(shard.due(), entry.key());
				if (mine && entry.state == State.SCHEDULED && dueAt != null && dueAt <= round.horizonMillis()
						&& this.ledger.shardOf(entry.key()).equals(shard)) {
					throw new AssertionError(this.trace + ": due " + entry.version + " not claimed by " + instance + " "
							+ describe(entry.key()) + "; last steps " + this.log);
				}
			}
		}
		if (instance == 2) {
			assertThat(claimed).as(this.trace).allMatch((k) -> k.compareTo("k3") < 0);
		}
	}

	private void applyLapse(Entry entry, boolean charged) {
		entry.lapsed = false;
		entry.token = "";
		if (!charged) {
			COVERAGE.merge("lapsedAhead", 1, Integer::sum);
			entry.state = State.SCHEDULED;
			return;
		}
		entry.attempts++;
		entry.state = (entry.attempts >= MAX_ATTEMPTS) ? State.DEAD : State.SCHEDULED;
		if (entry.state == State.DEAD) {
			this.buried.add(entry.version);
		}
	}

	private void settleOne(int instance) {
		List<Claim> claims = this.held.get(instance);
		if (claims.isEmpty()) {
			return;
		}
		Claim claim = claims.remove(this.random.nextInt(claims.size()));
		int choice = this.random.nextInt(4);
		if (!this.begun.contains(claim)) {
			// No handler ran: all an instance may do with it is give it back.
			choice = 3;
		}
		settle((choice < 2) ? Outcome.done(claim)
				: (choice == 2) ? Outcome.failed(claim, 0, "boom") : Outcome.givenBack(claim));
	}

	// An instance's due time came for a claim it made ahead: may its attempt begin?
	private void beginOne(int instance) {
		List<Claim> ahead = this.held.get(instance).stream().filter((c) -> !this.begun.contains(c)).toList();
		if (ahead.isEmpty()) {
			return;
		}
		Claim claim = ahead.get(this.random.nextInt(ahead.size()));
		begin(instance, claim);
	}

	// Returns whether the server's time was still before the claim's due time.
	private boolean begin(int instance, Claim claim) {
		Entry entry = this.model.get(claim.key());
		ExpiryLedger.Begin begin = this.ledger.begin(List.of(claim));
		COVERAGE.merge((begin.current() == null) ? "wait" : begin.current().get(0) ? "began" : "lost", 1, Integer::sum);
		if (claim.leaseEndMillis() <= begin.serverMillis()) {
			COVERAGE.merge("lookedUp", 1, Integer::sum);
		}
		if (begin.current() == null) {
			assertThat(begin.serverMillis()).as(this.trace + ": told to wait for " + claim.key())
				.isLessThan(claim.startAtMillis());
			return true;
		}
		assertThat(begin.serverMillis()).as(this.trace + ": began before its due time " + claim.key())
			.isGreaterThanOrEqualTo(claim.startAtMillis());
		boolean current = entry.state == State.CLAIMED && entry.token.equals(claim.token());
		assertThat(begin.current().get(0)).as(this.trace + ": begin of " + claim.key() + " " + describe(claim.key()))
			.isEqualTo(current);
		if (current) {
			this.begun.add(claim);
			if (claim.leaseEndMillis() <= begin.serverMillis()) {
				// Looked up and still held: renewed in the same step, so that no claim takes it over as it begins.
				Double leaseEnd = template.opsForZSet().score(claim.shard().leased(), claim.key());
				assertThat(leaseEnd).as(this.trace + ": lease of " + claim.key() + " renewed as it began")
					.isGreaterThan((double) begin.serverMillis());
				COVERAGE.merge("renewedAsBegan", 1, Integer::sum);
				entry.lapsed = false;
			}
		}
		else {
			// Cancelled, re-written or taken over: the instance drops it, nothing to record.
			this.held.get(instance).remove(claim);
		}
		return false;
	}

	private void settle(Outcome outcome) {
		Claim claim = outcome.claim();
		Entry entry = this.model.get(claim.key());
		// A lapsed lease still counts until some claim gives it back: its holder's outcome may land first.
		boolean current = entry != null && entry.state == State.CLAIMED && entry.token.equals(claim.token());
		String code = this.ledger.settle(claim.shard(), List.of(outcome)).get(0);
		if (!current) {
			assertThat(code).as(this.trace + ": fenced outcome of " + claim.key()).isEqualTo("stale");
			return;
		}
		entry.token = "";
		entry.lapsed = false;
		switch (outcome.kind()) {
			case DONE -> {
				assertThat(code).isEqualTo("done");
				this.accepted.merge(entry.version, 1, Integer::sum);
				entry.state = State.GONE;
			}
			case GIVEN_BACK -> {
				assertThat(code).isEqualTo("released");
				entry.state = State.SCHEDULED;
				Double dueAt = template.opsForZSet().score(claim.shard().due(), claim.key());
				assertThat(dueAt).as(this.trace + ": given back before its due time, due then again")
					.isGreaterThanOrEqualTo((double) claim.startAtMillis());
			}
			case FAILED -> {
				entry.attempts++;
				entry.state = (entry.attempts >= MAX_ATTEMPTS) ? State.DEAD : State.SCHEDULED;
				if (entry.state == State.DEAD) {
					this.buried.add(entry.version);
				}
				assertThat(code).isEqualTo((entry.state == State.DEAD) ? "dead" : "retry");
			}
		}
	}

	// A lease that ran out: as if its instance stopped renewing an hour ago, and so knows its lease ended then too.
	private void lapse(String key) {
		Entry entry = this.model.get(key);
		if (entry != null && entry.state == State.CLAIMED && !entry.lapsed) {
			template.opsForZSet().add(this.ledger.shardOf(key).leased(), key, 0);
			entry.lapsed = true;
			for (List<Claim> claims : this.held) {
				claims.replaceAll((claim) -> claim.key().equals(key) && claim.token().equals(entry.token) ? aged(claim) : claim);
			}
		}
	}

	private Claim aged(Claim claim) {
		Claim aged = new Claim(claim.shard(), claim.key(), claim.value(), claim.deadline(), claim.attempts(),
				claim.token(), 0);
		if (this.begun.remove(claim)) {
			this.begun.add(aged);
		}
		return aged;
	}

	private void renew(int instance) {
		for (Shard shard : this.ledger.shards()) {
			List<Claim> claims = this.held.get(instance).stream().filter((c) -> c.shard().equals(shard)).toList();
			if (claims.isEmpty()) {
				continue;
			}
			List<String> lost = this.ledger.renew(shard, claims);
			for (Claim claim : claims) {
				Entry entry = this.model.get(claim.key());
				boolean current = entry.state == State.CLAIMED && entry.token.equals(claim.token());
				assertThat(lost.contains(claim.token())).as(this.trace + ": renewal of " + claim.key()).isEqualTo(!current);
				if (current) {
					entry.lapsed = false;
				}
			}
		}
	}

	// Every instance settles what it holds, lapsed leases are given back, until nothing due is left.
	private void drain() {
		for (int round = 0; round < 50; round++) {
			for (int instance = 0; instance < 3; instance++) {
				claim(instance);
				for (Claim claim : new ArrayList<>(this.held.get(instance))) {
					// Near deadlines are at most a few hundred milliseconds away: the server's clock gets there.
					while (!this.begun.contains(claim) && this.held.get(instance).contains(claim)
							&& begin(instance, claim)) {
						Thread.onSpinWait();
					}
				}
				List<Claim> claims = new ArrayList<>(this.held.get(instance));
				this.held.get(instance).clear();
				claims.forEach((claim) -> settle(Outcome.done(claim)));
			}
			this.model.values().stream().filter((e) -> e.state == State.CLAIMED).forEach((e) -> lapse(e.key()));
		}
	}

	private void checkRedisMatchesModel() {
		for (String key : KEYS) {
			Shard shard = this.ledger.shardOf(key);
			Entry entry = this.model.get(key);
			State state = (entry != null) ? entry.state : State.GONE;
			boolean due = template.opsForZSet().score(shard.due(), key) != null;
			boolean leased = template.opsForZSet().score(shard.leased(), key) != null;
			String stored = (String) template.opsForHash().get(shard.entries(), key);
			boolean dead = template.opsForHash().hasKey(shard.dead(), key);
			boolean keyExists = Boolean.TRUE.equals(template.hasKey(key));
			String where = this.trace + ": " + key + " " + state + " " + describe(key) + " " + this.log;
			assertThat(due).as(where + " in due").isEqualTo(state == State.SCHEDULED);
			assertThat(leased).as(where + " in leased").isEqualTo(state == State.CLAIMED);
			// A fresh entry (never attempted, due at its deadline, its value in the tracked key) has no field.
			boolean fresh = state == State.SCHEDULED && entry.attempts == 0 && stored == null;
			assertThat(stored != null || fresh).as(where + " has an entry")
				.isEqualTo(state == State.SCHEDULED || state == State.CLAIMED);
			assertThat(keyExists).as(where + " key exists").isEqualTo(entry != null && entry.isLive());
			if (state == State.DEAD) {
				assertThat(dead).as(where + " dead letter").isTrue();
			}
			Object token = template.opsForHash().get(shard.tokens(), key);
			assertThat(token).as(where + " token").isEqualTo((state == State.CLAIMED) ? entry.token : null);
			if (stored != null) {
				assertThat(Integer.parseInt(stored.split(":", 3)[1])).as(where + " attempts").isEqualTo(entry.attempts);
			}
		}
	}

	private String describe(String key) {
		Shard shard = this.ledger.shardOf(key);
		return "[due " + template.opsForZSet().score(shard.due(), key) + ", leased "
				+ template.opsForZSet().score(shard.leased(), key) + ", entry "
				+ template.opsForHash().get(shard.entries(), key) + ", dead "
				+ template.opsForHash().get(shard.dead(), key) + ", model " + this.model.get(key) + "]";
	}

	private enum State {

		SCHEDULED, CLAIMED, DEAD, GONE

	}

	private static final class Entry {

		final String version;

		final int generation;

		final boolean future;

		State state = State.SCHEDULED;

		String token = "";

		int attempts;

		long startAt;

		boolean lapsed;

		Entry(String version, int generation, boolean future) {
			this.version = version;
			this.generation = generation;
			this.future = future;
		}

		String key() {
			return this.version.substring(0, this.version.indexOf('#'));
		}

		@Override
		public String toString() {
			return this.version + " " + this.state + " token " + this.token + " attempts " + this.attempts
					+ (this.lapsed ? " lapsed" : "") + (this.future ? " future" : "");
		}

		boolean isLive() {
			return this.state == State.SCHEDULED || this.state == State.CLAIMED;
		}

	}

}
