package io.github.keyspaceevents;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;

/**
 * One keyspace notification published by Redis: which key, what happened to it ({@code expired}, {@code del},
 * {@code set}, …) and in which database.
 * <p>
 * The key is kept as the bytes Redis published, so binary keys survive; {@link #key()} decodes them as UTF-8.
 */
public final class KeyspaceEvent {

	private final byte[] key;

	private final String event;

	private final int database;

	private @Nullable String decodedKey;

	/**
	 * Create an event.
	 * @param key the key's raw bytes (not copied; do not modify afterwards)
	 * @param event the Redis event name, e.g. {@code expired}
	 * @param database the database the key lives in
	 */
	public KeyspaceEvent(byte[] key, String event, int database) {
		this.key = key;
		this.event = event;
		this.database = database;
	}

	/** @return the key, decoded as UTF-8 */
	public String key() {
		String decoded = this.decodedKey;
		if (decoded == null) {
			decoded = new String(this.key, StandardCharsets.UTF_8);
			this.decodedKey = decoded;
		}
		return decoded;
	}

	/** @return a copy of the key's raw bytes */
	public byte[] keyBytes() {
		return this.key.clone();
	}

	/** @return the Redis event name, e.g. {@code expired}, {@code del}, {@code set}, {@code rename_to} */
	public String event() {
		return this.event;
	}

	/** @return the database index the key lives in */
	public int database() {
		return this.database;
	}

	byte[] rawKey() {
		return this.key;
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return (this == other) || (other instanceof KeyspaceEvent that && this.database == that.database
				&& this.event.equals(that.event) && Arrays.equals(this.key, that.key));
	}

	@Override
	public int hashCode() {
		return 31 * (31 * Arrays.hashCode(this.key) + this.event.hashCode()) + this.database;
	}

	@Override
	public String toString() {
		return "KeyspaceEvent[" + this.event + " '" + key() + "' db " + this.database + "]";
	}

}
