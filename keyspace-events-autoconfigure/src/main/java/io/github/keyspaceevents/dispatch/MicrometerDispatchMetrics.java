package io.github.keyspaceevents.dispatch;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.keyspaceevents.KeyspaceEvent;
import io.github.keyspaceevents.KeyspaceEventHandler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

/**
 * {@link DispatchMetrics} over Micrometer: counters and a lag timer in the {@link MeterRegistry}, and one
 * {@link Observation} per handler invocation ({@code keyspace.events.handler}, which Spring Boot turns into a timer
 * with an {@code error} tag, and into a span when tracing is on).
 */
public final class MicrometerDispatchMetrics implements DispatchMetrics {

	private final MeterRegistry meters;

	private final ObservationRegistry observations;

	private final Map<String, Counter> received = new ConcurrentHashMap<>();

	private final Map<String, Counter> dropped = new ConcurrentHashMap<>();

	private final Counter claimed;

	private final Counter recovered;

	private final Counter retried;

	private final Counter deadLettered;

	private final Counter leaseLapsed;

	private final Counter ledgerKeysEvicted;

	private final Timer lag;

	/**
	 * Create the metrics.
	 * @param meters where counters and timers go
	 * @param observations where handler invocations are observed ({@link ObservationRegistry#NOOP} for none)
	 */
	public MicrometerDispatchMetrics(MeterRegistry meters, ObservationRegistry observations) {
		this.meters = meters;
		this.observations = observations;
		this.claimed = Counter.builder("keyspace.events.tracked.claimed")
			.description("Tracked expiries claimed for handling")
			.register(meters);
		this.recovered = Counter.builder("keyspace.events.tracked.recovered")
			.description("Tracked expiries claimed well after their deadline, after an outage or restart")
			.register(meters);
		this.retried = Counter.builder("keyspace.events.tracked.retried")
			.description("Tracked expiries that failed and were scheduled again")
			.register(meters);
		this.deadLettered = Counter.builder("keyspace.events.tracked.dead.lettered")
			.description("Tracked expiries that failed their last attempt")
			.register(meters);
		this.leaseLapsed = Counter.builder("keyspace.events.tracked.lease.lapsed")
			.description("Leases of tracked expiries that lapsed because their instance stopped renewing them")
			.register(meters);
		this.ledgerKeysEvicted = Counter.builder("keyspace.events.tracked.ledger.evicted")
			.description("Keys of the tracked-expiration ledger that Redis evicted (what they held is lost)")
			.register(meters);
		this.lag = Timer.builder("keyspace.events.tracked.lag")
			.description("Time from a tracked key's deadline to the start of its handling")
			.publishPercentileHistogram()
			.register(meters);
	}

	@Override
	public void received(String event) {
		counter(this.received, "keyspace.events.received", "Events that matched a handler", "event", event)
			.increment();
	}

	@Override
	public void dropped(String event) {
		counter(this.dropped, "keyspace.events.dropped", "Events dropped because handlers could not keep up", "event",
				event)
			.increment();
	}

	@Override
	public void trackedClaimed(boolean recovered) {
		this.claimed.increment();
		if (recovered) {
			this.recovered.increment();
		}
	}

	@Override
	public void trackedRetried() {
		this.retried.increment();
	}

	@Override
	public void trackedLeaseLapsed(int count) {
		this.leaseLapsed.increment(count);
	}

	@Override
	public void trackedDeadLettered() {
		this.deadLettered.increment();
	}

	@Override
	public void trackedLedgerKeyEvicted() {
		this.ledgerKeysEvicted.increment();
	}

	@Override
	public void trackedLag(Duration lag) {
		this.lag.record(lag.isNegative() ? Duration.ZERO : lag);
	}

	@Override
	public void invoke(KeyspaceEvent event, KeyspaceEventHandler handler, Invocation invocation) throws Throwable {
		Observation observation = Observation.createNotStarted("keyspace.events.handler", this.observations)
			.contextualName("keyspace-event " + event.event())
			.lowCardinalityKeyValue("event", event.event())
			.lowCardinalityKeyValue("handler", handler.toString())
			.start();
		try (Observation.Scope scope = observation.openScope()) {
			invocation.proceed();
		}
		catch (Throwable ex) {
			observation.error(ex);
			throw ex;
		}
		finally {
			observation.stop();
		}
	}

	private Counter counter(Map<String, Counter> counters, String name, String description, String tag,
			String value) {
		return counters.computeIfAbsent(value,
				(v) -> Counter.builder(name).description(description).tag(tag, v).register(this.meters));
	}

}
