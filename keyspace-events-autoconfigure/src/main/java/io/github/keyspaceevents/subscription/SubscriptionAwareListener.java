package io.github.keyspaceevents.subscription;

import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.SubscriptionListener;

/**
 * A channel's listener that also hears when its channel is subscribed, which the listener container tells after
 * every (re)subscription, whatever the client. A subscription made again means the connection was lost, maybe to a
 * Redis restart that forgot the flags: the caller re-checks them at once rather than at the next periodic check.
 */
final class SubscriptionAwareListener implements MessageListener, SubscriptionListener {

	private final MessageListener delegate;

	private final Runnable subscribed;

	SubscriptionAwareListener(MessageListener delegate, Runnable subscribed) {
		this.delegate = delegate;
		this.subscribed = subscribed;
	}

	@Override
	public void onMessage(Message message, byte @Nullable [] pattern) {
		this.delegate.onMessage(message, pattern);
	}

	@Override
	public void onChannelSubscribed(byte[] channel, long count) {
		this.subscribed.run();
	}

}
