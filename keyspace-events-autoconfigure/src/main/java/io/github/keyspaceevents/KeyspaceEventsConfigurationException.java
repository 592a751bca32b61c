package io.github.keyspaceevents;

/**
 * A configuration the starter cannot work with: a handler method it cannot call, an unknown event, an invalid flag
 * letter or property value, or an unreachable Redis with fail-fast on. Spring Boot prints it with its
 * {@link #getAction() action} through the starter's failure analyzer.
 */
public class KeyspaceEventsConfigurationException extends IllegalStateException {

	private final String action;

	/**
	 * Create an exception.
	 * @param description what is wrong, naming the bean, method, parameter or property
	 * @param action what to do about it
	 */
	public KeyspaceEventsConfigurationException(String description, String action) {
		super(description);
		this.action = action;
	}

	/**
	 * Create an exception with a cause.
	 * @param description what is wrong
	 * @param action what to do about it
	 * @param cause the underlying failure
	 */
	public KeyspaceEventsConfigurationException(String description, String action, Throwable cause) {
		super(description, cause);
		this.action = action;
	}

	/** @return what to do about it */
	public String getAction() {
		return this.action;
	}

}
