package io.github.keyspaceevents.sample.shop;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Shop settings.
 *
 * @param paymentWindow how long an order may stay unpaid before it is cancelled and its stock returned
 * @param sweepInterval how often to cancel overdue orders whose expiry event was missed (also done at startup)
 */
@ConfigurationProperties("shop")
public record ShopProperties(Duration paymentWindow, Duration sweepInterval) {

	public ShopProperties {
		paymentWindow = (paymentWindow != null) ? paymentWindow : Duration.ofMinutes(15);
		sweepInterval = (sweepInterval != null) ? sweepInterval : Duration.ofSeconds(30);
		if (paymentWindow.isNegative() || paymentWindow.isZero()) {
			throw new IllegalArgumentException("shop.payment-window must be positive, was " + paymentWindow);
		}
	}

}
