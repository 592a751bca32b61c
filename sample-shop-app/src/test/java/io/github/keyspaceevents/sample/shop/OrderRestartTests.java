package io.github.keyspaceevents.sample.shop;

import java.util.List;

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
			try (ShopInstance shop = ShopInstance.start(redis, "restart", "500ms")) {
				shop.addProduct("R-1", 10);
				id = (String) OrderExpiryTests.place(shop, "R-1", 4).getBody().get("id");
				assertThat(shop.product("R-1").stock()).isEqualTo(6);
			}
			// With no shop subscribed, make Redis expire the key now: its event reaches nobody.
			await().until(() -> Long.valueOf(0).equals(redis.command("EXISTS", "order:" + id)));
			try (ShopInstance shop = ShopInstance.start(redis, "restart", "500ms")) {
				await().until(() -> shop.status(id) == OrderStatus.CANCELLED);
				assertThat(shop.product("R-1").stock()).isEqualTo(10);
				assertThat(shop.product("R-1").sales()).isZero();
				assertThat(shop.bean(OrderService.class).overdue()).isEqualTo(List.of());
			}
		}
	}

}
