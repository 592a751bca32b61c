package io.github.keyspaceevents.notification;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.github.keyspaceevents.KeyspaceEventsConfigurationException;
import org.jspecify.annotations.Nullable;

/**
 * A set of {@code notify-keyspace-events} letters. Compared as sets, because Redis reads the value back in its own
 * canonical order (e.g. {@code Ex} reads back as {@code xE}) and folds {@code g$lshzxetd} into {@code A}. Letters
 * this class does not know, read from a newer server, are kept so that a merge never drops them.
 */
public final class NotificationFlags {

	/** Letters Redis documents, in Redis' canonical order; {@code A} is the alias for the class letters. */
	static final String VALID_LETTERS = "KEg$lshzxetdmnocA";

	// What 'A' stands for; it does not include 'm' (key miss) or 'n' (new key).
	private static final String ALL_ALIAS = "g$lshzxetd";

	private final Set<Character> letters;

	// Read from a server value holding 'A': Redis cannot print 'n' next to 'A', so whether 'n' is set is unknown.
	private final boolean newKeyLetterHidden;

	private NotificationFlags(Set<Character> letters) {
		this(letters, false);
	}

	private NotificationFlags(Set<Character> letters, boolean newKeyLetterHidden) {
		this.letters = letters;
		this.newKeyLetterHidden = newKeyLetterHidden;
	}

	public static NotificationFlags none() {
		return new NotificationFlags(Set.of());
	}

	/**
	 * Parse letters as {@code CONFIG GET} returns them; any letter is accepted, since a newer server may know more.
	 * @param letters the server's value
	 * @return the flags
	 */
	static NotificationFlags ofServerValue(String letters) {
		NotificationFlags parsed = parse(letters, null);
		return new NotificationFlags(parsed.letters, letters.indexOf('A') >= 0 && !parsed.letters.contains('n'));
	}

	/** @return whether this server value may hold 'n' without showing it (it holds 'A') */
	boolean newKeyLetterHidden() {
		return this.newKeyLetterHidden;
	}

	/** @return whether the only letter missing could be an 'n' that Redis does not show */
	boolean onlyHiddenNewKeyLetterMissing(NotificationFlags missing) {
		return this.newKeyLetterHidden && missing.letters.equals(Set.of('n'));
	}

	/**
	 * Parse letters configured by a user, rejecting any Redis does not document.
	 * @param letters the letters
	 * @param origin what holds them, named in the error (a property name)
	 * @return the flags
	 * @throws KeyspaceEventsConfigurationException naming the invalid letters and listing the valid ones
	 */
	public static NotificationFlags ofConfigured(String letters, String origin) {
		return parse(letters, origin);
	}

	private static NotificationFlags parse(String value, @Nullable String strictOrigin) {
		Set<Character> letters = new LinkedHashSet<>();
		List<Character> invalid = new ArrayList<>();
		for (char letter : value.toCharArray()) {
			if (letter == 'A') {
				ALL_ALIAS.chars().forEach((c) -> letters.add((char) c));
			}
			else if (strictOrigin != null && VALID_LETTERS.indexOf(letter) < 0) {
				invalid.add(letter);
			}
			else if (!Character.isWhitespace(letter)) {
				letters.add(letter);
			}
		}
		if (!invalid.isEmpty()) {
			throw new KeyspaceEventsConfigurationException(
					"%s contains invalid notify-keyspace-events letter(s) %s; valid letters are %s"
						.formatted(strictOrigin, invalid, VALID_LETTERS),
					"Remove the invalid letters from " + strictOrigin + ".");
		}
		return new NotificationFlags(Set.copyOf(letters));
	}

	public NotificationFlags with(NotificationFlags other) {
		Set<Character> union = new LinkedHashSet<>(this.letters);
		union.addAll(other.letters);
		return new NotificationFlags(Set.copyOf(union));
	}

	NotificationFlags without(NotificationFlags other) {
		Set<Character> difference = new LinkedHashSet<>(this.letters);
		difference.removeAll(other.letters);
		return new NotificationFlags(Set.copyOf(difference));
	}

	boolean containsAll(NotificationFlags other) {
		return this.letters.containsAll(other.letters);
	}

	boolean isEmpty() {
		return this.letters.isEmpty();
	}

	/**
	 * Return the letters in Redis' canonical order, class letters spelled out (never {@code A}), unknown letters last.
	 * @return the letters, ready for {@code CONFIG SET}
	 */
	public String letters() {
		return this.letters.stream()
			.sorted((a, b) -> Integer.compare(order(a), order(b)))
			.map(String::valueOf)
			.collect(Collectors.joining());
	}

	private static int order(char letter) {
		int index = VALID_LETTERS.indexOf(letter);
		return (index >= 0) ? index : VALID_LETTERS.length() + letter;
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return this == other || (other instanceof NotificationFlags that && this.letters.equals(that.letters));
	}

	@Override
	public int hashCode() {
		return this.letters.hashCode();
	}

	@Override
	public String toString() {
		return letters();
	}

}
