package io.github.keyspaceevents;

import org.jspecify.annotations.Nullable;

import org.springframework.core.ResolvableType;

/**
 * Turns the values of tracked keys into the strings Redis keeps, and back into the types handlers ask for
 * ({@link io.github.keyspaceevents.annotation.TrackedValue @TrackedValue} parameters,
 * {@link KeyspaceEvent#value(Class)}). The auto-configuration provides one that keeps strings as they are and writes
 * anything else as JSON through the application's Jackson {@code JsonMapper}; declare a bean of this type to store
 * values another way.
 */
public interface TrackedValueCodec {

	/**
	 * Encode a value for storage.
	 * @param value the value; a {@code String} should be kept as it is, so that plain string values stay readable
	 * @return the stored form
	 * @throws IllegalArgumentException if the value cannot be encoded
	 */
	String encode(Object value);

	/**
	 * Decode a stored value.
	 * @param stored the stored form
	 * @param type the type wanted
	 * @return the value
	 * @throws IllegalArgumentException if the stored form cannot be read as that type
	 */
	@Nullable Object decode(String stored, ResolvableType type);

}
