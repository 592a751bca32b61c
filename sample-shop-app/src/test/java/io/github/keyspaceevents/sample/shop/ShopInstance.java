package io.github.keyspaceevents.sample.shop;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.github.keyspaceevents.launcher.RedisServerProcess;
import io.github.keyspaceevents.subscription.KeyspaceEventSubscription;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatusCode;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.client.RestClient;

import static org.awaitility.Awaitility.await;

/**
 * One running shop application on a test's Redis and database, reached over real HTTP.
 */
final class ShopInstance implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private final RestClient http;

	private ShopInstance(ConfigurableApplicationContext context) {
		this.context = context;
		String port = context.getEnvironment().getProperty("local.server.port");
		this.http = RestClient.builder()
			.baseUrl("http://127.0.0.1:" + port)
			.defaultStatusHandler(HttpStatusCode::isError, (request, response) -> {
			})
			.build();
	}

	/**
	 * Start a shop.
	 * @param redis the Redis to use
	 * @param database name of the shared in-memory database (instances with the same name share it)
	 * @param paymentWindow e.g. {@code 300ms}
	 */
	static ShopInstance start(RedisServerProcess redis, String database, String paymentWindow, String... extra) {
		return start(redis, database, paymentWindow, new Class<?>[0], extra);
	}

	static ShopInstance start(RedisServerProcess redis, String database, String paymentWindow, Class<?>[] sources,
			String... extra) {
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--spring.data.redis.host=" + redis.host(),
				"--spring.data.redis.port=" + redis.port(),
				"--spring.datasource.url=jdbc:h2:mem:" + database + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000",
				"--shop.payment-window=" + paymentWindow, "--shop.sweep-interval=1h", "--spring.main.banner-mode=off"));
		for (String argument : extra) {
			args.add("--" + argument);
		}
		ConfigurableApplicationContext context = new SpringApplicationBuilder(ShopApplication.class).sources(sources)
			.run(args.toArray(String[]::new));
		await().until(context.getBean(KeyspaceEventSubscription.class)::isSubscribed);
		return new ShopInstance(context);
	}

	int port() {
		return Integer.parseInt(this.context.getEnvironment().getProperty("local.server.port"));
	}

	RestClient http() {
		return this.http;
	}

	JdbcClient jdbc() {
		return this.context.getBean(JdbcClient.class);
	}

	<T> T bean(Class<T> type) {
		return this.context.getBean(type);
	}

	void addProduct(String sku, int stock) {
		jdbc().sql("insert into product (sku, name, price, stock, sales) values (?, ?, ?, ?, 0)")
			.params(sku, "Test " + sku, new BigDecimal("5.00"), stock)
			.update();
	}

	Product product(String sku) {
		return bean(Catalog.class).find(sku).orElseThrow();
	}

	OrderStatus status(String orderId) {
		return bean(OrderBook.class).find(orderId).orElseThrow().status();
	}

	/** @return a snapshot of every table, to show that a refused request changed nothing */
	String snapshot() {
		List<Map<String, Object>> products = jdbc().sql("select * from product order by sku").query().listOfRows();
		List<Map<String, Object>> orders = jdbc().sql("select * from customer_order order by id").query().listOfRows();
		List<Map<String, Object>> lines = jdbc().sql("select * from order_line order by order_id, sku")
			.query()
			.listOfRows();
		return products + "\n" + orders + "\n" + lines;
	}

	@Override
	public void close() {
		this.context.close();
	}

}
