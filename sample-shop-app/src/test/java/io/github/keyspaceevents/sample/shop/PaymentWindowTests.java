package io.github.keyspaceevents.sample.shop;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

import io.github.keyspaceevents.test.AutoConfigureRedisServer;
import io.github.keyspaceevents.test.KeyspaceEventsTester;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The payment window, tested as a user of the starter would: a real redis-server for the test run, the window closed
 * at once instead of waited for, handlers awaited instead of slept for. (The README shows this test.)
 */
@SpringBootTest(properties = { "shop.payment-window=15m", "shop.embedded-redis=false",
		"spring.datasource.url=jdbc:h2:mem:payment-window;DB_CLOSE_DELAY=-1" })
@AutoConfigureRedisServer
class PaymentWindowTests {

	@Autowired
	OrderService orders;

	@Autowired
	Catalog catalog;

	@Autowired
	KeyspaceEventsTester tester;

	@Test
	void anUnpaidOrderIsCancelledWhenItsWindowClosesAndItsStockComesBack() {
		catalog.addIfMissing(new Product("MUG-1", "Mug", new BigDecimal("9.90"), 10, 0));
		Order order = orders.place(new OrderRequest(List.of(new OrderRequest.Item("MUG-1", BigDecimal.valueOf(3)))));
		assertThat(catalog.find("MUG-1").orElseThrow().stock()).isEqualTo(7);

		tester.expireNow("order:" + order.id());
		tester.awaitIdle(Duration.ofSeconds(10));

		assertThat(orders.find(order.id()).status()).isEqualTo(OrderStatus.CANCELLED);
		assertThat(catalog.find("MUG-1").orElseThrow().stock()).isEqualTo(10);
		assertThat(catalog.find("MUG-1").orElseThrow().sales()).isZero();
	}

	@Test
	void aPaidOrderHasNoWindowLeftToClose() {
		catalog.addIfMissing(new Product("MUG-2", "Mug", new BigDecimal("9.90"), 10, 0));
		Order order = orders.place(new OrderRequest(List.of(new OrderRequest.Item("MUG-2", BigDecimal.ONE))));
		orders.pay(order.id());

		assertThatIllegalArgumentException().isThrownBy(() -> tester.expireNow("order:" + order.id()));
		tester.awaitIdle(Duration.ofSeconds(10));
		assertThat(orders.find(order.id()).status()).isEqualTo(OrderStatus.PAID);
		assertThat(catalog.find("MUG-2").orElseThrow().stock()).isEqualTo(9);
	}

}
