package io.github.keyspaceevents.benchmarks;

import java.util.function.IntFunction;

import io.github.keyspaceevents.launcher.RedisServerProcess;

/**
 * One way of receiving keyspace events. Each contender subscribes to one event, filters keys on the {@code order:}
 * prefix and hands matching keys to the current {@link EventSink}.
 */
interface Contender extends AutoCloseable {

	String name();

	/**
	 * Subscribe; returns once subscribed.
	 * @param redis the server
	 * @param event the event name, {@code del} or {@code expired}
	 * @param sinks where the current run's sink is found
	 */
	void start(RedisServerProcess redis, String event, SinkHolder sinks) throws Exception;

	/**
	 * Write the keys of a lag workload: by default plain keys with an absolute expiry, written by the publisher.
	 * @param publisher the publisher
	 * @param count how many keys
	 * @param deadlineOf deadline of key i, epoch millis
	 */
	default void writeExpiringKeys(Publisher publisher, int count, IntFunction<Long> deadlineOf) {
		publisher.writeExpiringKeys(count, deadlineOf);
	}

	@Override
	void close();

	/** The sink of the run in progress; contenders read it per event, so one subscription serves several runs. */
	final class SinkHolder {

		private volatile EventSink current = new EventSink(Long.MAX_VALUE, false, 0);

		void set(EventSink sink) {
			this.current = sink;
		}

		EventSink get() {
			return this.current;
		}

	}

}
