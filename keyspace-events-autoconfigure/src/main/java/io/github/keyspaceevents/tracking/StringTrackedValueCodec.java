package io.github.keyspaceevents.tracking;

import io.github.keyspaceevents.TrackedValueCodec;
import org.jspecify.annotations.Nullable;

import org.springframework.core.ResolvableType;

/**
 * The {@link TrackedValueCodec} of an application without Jackson: strings only, and a clear error for anything else.
 */
public final class StringTrackedValueCodec implements TrackedValueCodec {

	private static final String ADVICE = "tracked values other than String are written as JSON, which needs Jackson "
			+ "(tools.jackson.core:jackson-databind, e.g. through spring-boot-starter-jackson) or a TrackedValueCodec "
			+ "bean";

	@Override
	public String encode(Object value) {
		if (value instanceof String text) {
			return text;
		}
		throw new IllegalArgumentException("Tracked value of type " + value.getClass().getName() + ": " + ADVICE);
	}

	@Override
	public @Nullable Object decode(String stored, ResolvableType type) {
		if (type.resolve() == String.class) {
			return stored;
		}
		throw new IllegalArgumentException("Tracked value read as " + type + ": " + ADVICE);
	}

}
