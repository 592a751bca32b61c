package io.github.keyspaceevents;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;

import org.springframework.core.ResolvableType;

/**
 * One keyspace notification published by Redis: which key, what happened to it ({@code expired}, {@code del},
 * {@code set}, …) and in which database.
 * <p>
 * The key is kept as the bytes Redis published, so binary keys survive; {@link #key()} decodes them as UTF-8. For a
 * key written through {@link TrackedExpirations}, an {@code expired} event also carries the value the key had and its
 * deadline.
 */
public final class KeyspaceEvent {

	private final byte[] key;

	private final String event;

	private final int database;

	private final @Nullable String value;

	private final @Nullable Instant deadline;

	private final @Nullable TrackedValueCodec codec;

	private @Nullable String decodedKey;

	/**
	 * Create an event.
	 * @param key the key's raw bytes (not copied; do not modify afterwards)
	 * @param event the Redis event name, e.g. {@code expired}
	 * @param database the database the key lives in
	 */
	public KeyspaceEvent(byte[] key, String event, int database) {
		this(key, event, database, null, null);
	}

	/**
	 * Create the event of a tracked expiration.
	 * @param key the key's raw bytes (not copied; do not modify afterwards)
	 * @param event the Redis event name, e.g. {@code expired}
	 * @param database the database the key lives in
	 * @param value the value the key was written with, if any
	 * @param deadline when the key was due to expire
	 */
	public KeyspaceEvent(byte[] key, String event, int database, @Nullable String value, @Nullable Instant deadline) {
		this(key, event, database, value, deadline, null);
	}

	/**
	 * Create the event of a tracked expiration whose value can be read as other types than {@code String}.
	 * @param key the key's raw bytes (not copied; do not modify afterwards)
	 * @param event the Redis event name, e.g. {@code expired}
	 * @param database the database the key lives in
	 * @param value the value the key was written with, if any
	 * @param deadline when the key was due to expire
	 * @param codec reads the value as the types asked for; {@code null} to allow only {@code String}
	 */
	public KeyspaceEvent(byte[] key, String event, int database, @Nullable String value, @Nullable Instant deadline,
			@Nullable TrackedValueCodec codec) {
		this.key = key;
		this.event = event;
		this.database = database;
		this.value = value;
		this.deadline = deadline;
		this.codec = codec;
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

	/**
	 * Return the value of a tracked key, kept readable after Redis deleted the key.
	 * @return the value, or {@code null} for untracked keys and tracked keys written without one
	 */
	public @Nullable String value() {
		return this.value;
	}

	/**
	 * Return the value of a tracked key as the given type: a {@code String} as written, anything else read from the
	 * form it was stored in (JSON by default, see {@link TrackedValueCodec}).
	 * @param <T> the type
	 * @param type the type
	 * @return the value, or {@code null} for untracked keys and tracked keys written without one
	 * @throws IllegalArgumentException if the value cannot be read as that type
	 */
	@SuppressWarnings("unchecked")
	public <T> @Nullable T value(Class<T> type) {
		return (T) value(ResolvableType.forClass(type));
	}

	/**
	 * Return the value of a tracked key as the given type, generics included (e.g. a {@code List<OrderLine>}).
	 * @param type the type
	 * @return the value, or {@code null} for untracked keys and tracked keys written without one
	 * @throws IllegalArgumentException if the value cannot be read as that type
	 */
	public @Nullable Object value(ResolvableType type) {
		String stored = this.value;
		if (stored == null || type.resolve() == String.class) {
			return stored;
		}
		TrackedValueCodec codec = this.codec;
		if (codec == null) {
			throw new IllegalArgumentException("The value of " + this + " can only be read as a String here");
		}
		return codec.decode(stored, type);
	}

	/**
	 * Return the deadline of a tracked key.
	 * @return when the key was due to expire, or {@code null} for untracked keys
	 */
	public @Nullable Instant deadline() {
		return this.deadline;
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
