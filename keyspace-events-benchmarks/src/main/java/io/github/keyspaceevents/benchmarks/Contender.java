package io.github.keyspaceevents.benchmarks;

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
