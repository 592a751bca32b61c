package io.github.keyspaceevents.sample.shop;

import java.math.BigDecimal;
import java.util.List;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * Puts a few products on the shelf when they are not there yet.
 */
@Component
class ProductSeeder implements ApplicationRunner {

	static final List<Product> PRODUCTS = List.of(
			new Product("MUG-01", "Enamel mug", new BigDecimal("12.50"), 25, 0),
			new Product("TEE-01", "Organic T-shirt", new BigDecimal("24.00"), 40, 0),
			new Product("CAP-01", "Canvas cap", new BigDecimal("18.90"), 10, 0),
			new Product("BAG-01", "Tote bag", new BigDecimal("9.99"), 60, 0));

	private final Catalog catalog;

	ProductSeeder(Catalog catalog) {
		this.catalog = catalog;
	}

	@Override
	public void run(ApplicationArguments args) {
		PRODUCTS.forEach(this.catalog::addIfMissing);
	}

}
