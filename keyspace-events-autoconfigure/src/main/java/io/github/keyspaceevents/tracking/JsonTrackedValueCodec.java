package io.github.keyspaceevents.tracking;

import io.github.keyspaceevents.TrackedValueCodec;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.ResolvableType;

/**
 * The default {@link TrackedValueCodec}: strings as they are, anything else as JSON through a Jackson
 * {@link JsonMapper} (the application's, so its modules and settings apply).
 */
public final class JsonTrackedValueCodec implements TrackedValueCodec {

	private final JsonMapper jsonMapper;

	/**
	 * Create the codec.
	 * @param jsonMapper the mapper that writes and reads values other than strings
	 */
	public JsonTrackedValueCodec(JsonMapper jsonMapper) {
		this.jsonMapper = jsonMapper;
	}

	@Override
	public String encode(Object value) {
		if (value instanceof String text) {
			return text;
		}
		try {
			return this.jsonMapper.writeValueAsString(value);
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException("Tracked value of type " + value.getClass().getName()
					+ " cannot be written as JSON: " + ex.getOriginalMessage(), ex);
		}
	}

	@Override
	public @Nullable Object decode(String stored, ResolvableType type) {
		if (type.resolve() == String.class) {
			return stored;
		}
		try {
			return this.jsonMapper.readValue(stored, this.jsonMapper.getTypeFactory().constructType(type.getType()));
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException("Tracked value cannot be read as " + type + ": "
					+ ex.getOriginalMessage(), ex);
		}
	}

}
