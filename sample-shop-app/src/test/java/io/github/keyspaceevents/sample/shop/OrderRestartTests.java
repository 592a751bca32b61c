package io.github.keyspaceevents.sample.shop;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.github.keyspaceevents.launcher.RedisServerProcess;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Orders whose deadline passed while the shop was stopped are cancelled when it starts again.
 */
class OrderRestartTests {

	@Test
	void ordersThatExpiredWhileTheShopWasDownAreCancelledAtTheNextStart() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			String id;
			Instant deadline;
			try (ShopInstance shop = ShopInstance.start(redis, "restart", "500ms")) {
				shop.addProduct("R-1", 10);
				Map<String, Object> order = OrderExpiryTests.place(shop, "R-1", 4).getBody();
				id = (String) order.get("id");
				deadline = Instant.parse((String) order.get("expiresAt"));
				assertThat(shop.product("R-1").stock()).isEqualTo(6);
			}
			// The payment window closes while no shop runs.
			await().until(() -> Instant.now().isAfter(deadline.plusMillis(200)));
			assertThat(redis.command("EXISTS", "order:" + id)).as("the key outlives its deadline until claimed")
				.isEqualTo(1L);
			try (ShopInstance shop = ShopInstance.start(redis, "restart", "500ms")) {
				await().until(() -> shop.status(id) == OrderStatus.CANCELLED);
				assertThat(shop.product("R-1").stock()).isEqualTo(10);
				assertThat(shop.product("R-1").sales()).isZero();
				assertThat(shop.bean(OrderService.class).overdue()).isEqualTo(List.of());
			}
		}
	}

}
