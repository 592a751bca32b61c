package io.github.keyspaceevents.notification;

/**
 * How the starter treats the server's {@code notify-keyspace-events} setting.
 */
public enum NotificationMode {

	/**
	 * Add the letters the handlers need to what the server has (never removing any), verify by reading it back, and
	 * re-apply after reconnects. Falls back to {@link #VERIFY} when {@code CONFIG SET} is refused.
	 */
	MERGE,

	/**
	 * Never write; read the setting and report the letters that are missing and where to set them. For managed Redis
	 * where {@code CONFIG} is not allowed.
	 */
	VERIFY,

	/**
	 * Neither read nor write the setting.
	 */
	OFF

}
