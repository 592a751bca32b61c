package io.github.keyspaceevents.sample.shop;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;

import io.github.keyspaceevents.launcher.RedisServerProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A person's view: in headless Chromium, order on the page, watch the order expire and the stock come back without
 * reloading. Needs Chromium and ChromeDriver (Debian: {@code apt-get install chromium chromium-driver}); their paths
 * can be given with the {@code CHROME_BINARY} and {@code CHROMEDRIVER} environment variables. Without them the test
 * is skipped with a one-line reason, unless {@code SHOP_BROWSER_TEST=required} (as CI sets it), which makes their
 * absence a failure.
 */
class ShopPageBrowserIT {

	@Test
	void stockComesBackOnThePageWhenAnUnpaidOrderExpires(@TempDir Path profile) throws IOException {
		Optional<String> missing = missingBrowser();
		if (missing.isPresent()) {
			String reason = "Browser test skipped: " + missing.get();
			if ("required".equals(System.getenv("SHOP_BROWSER_TEST"))) {
				throw new IllegalStateException(reason.replace("skipped", "required (SHOP_BROWSER_TEST=required)"));
			}
			// One line on the console; the rest of the build does not need a browser.
			System.out.println(reason);
			Assumptions.abort(reason);
		}
		try (RedisServerProcess redis = RedisServerProcess.start();
				ShopInstance shop = ShopInstance.start(redis, "browser", "4s")) {
			WebDriver browser = startChromium(profile);
			try {
				browser.get("http://127.0.0.1:" + shop.port() + "/");
				WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
				By mugStock = By.cssSelector("tr[data-sku='MUG-01'] .stock");
				wait.until(ExpectedConditions.textToBe(mugStock, "25"));

				WebElement quantity = browser.findElement(By.cssSelector("tr[data-sku='MUG-01'] .quantity"));
				quantity.clear();
				quantity.sendKeys("3");
				browser.findElement(By.cssSelector("tr[data-sku='MUG-01'] button.order")).click();

				wait.until(ExpectedConditions.textToBe(mugStock, "22"));
				wait.until(ExpectedConditions.textToBe(By.cssSelector("tr[data-sku='MUG-01'] .sales"), "3"));
				wait.until(ExpectedConditions.textToBe(By.cssSelector("#orders .status"), "PENDING_PAYMENT"));
				saveScreenshot(browser);

				// No reload from here on: the page learns of the expiry through server-sent events.
				wait.until(ExpectedConditions.textToBe(By.cssSelector("#orders .status"), "CANCELLED"));
				wait.until(ExpectedConditions.textToBe(mugStock, "25"));
				assertThat(browser.findElement(By.cssSelector("tr[data-sku='MUG-01'] .sales")).getText())
					.isEqualTo("0");
				assertThat(shop.product("MUG-01").stock()).isEqualTo(25);

				// A phone-sized window: the tables scroll inside their box, the page itself does not overflow.
				browser.manage().window().setSize(new Dimension(420, 900));
				Number overflow = (Number) ((JavascriptExecutor) browser).executeScript(
						"return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
				assertThat(overflow.intValue()).isLessThanOrEqualTo(0);
			}
			finally {
				browser.quit();
			}
		}
	}

	private static void saveScreenshot(WebDriver browser) throws IOException {
		File screenshot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
		Files.copy(screenshot.toPath(), Path.of("target", "sample-shop.png"), StandardCopyOption.REPLACE_EXISTING);
	}

	private static WebDriver startChromium(Path profile) {
		String chromium = executable("CHROME_BINARY", "chromium", "chromium-browser", "google-chrome");
		String driver = executable("CHROMEDRIVER", "chromedriver");
		ChromeOptions options = new ChromeOptions().setBinary(chromium)
			.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
					"--disable-background-networking", "--disable-component-update", "--disable-sync",
					"--window-size=1100,900", "--user-data-dir=" + profile);
		// Both paths are given, so Selenium never looks for (or downloads) a browser or driver itself.
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(driver))
			.usingAnyFreePort()
			.build();
		return new ChromeDriver(service, options);
	}

	private static Optional<String> missingBrowser() {
		try {
			executable("CHROME_BINARY", "chromium", "chromium-browser", "google-chrome");
			executable("CHROMEDRIVER", "chromedriver");
			return Optional.empty();
		}
		catch (IllegalStateException ex) {
			return Optional.of(ex.getMessage());
		}
	}

	private static String executable(String variable, String... names) {
		String configured = System.getenv(variable);
		if (configured != null && !configured.isBlank()) {
			return configured;
		}
		return Stream.of(names)
			.map(PathLookup::onPath)
			.flatMap(Optional::stream)
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("The browser test needs " + String.join(" or ", names)
					+ " on PATH or in " + variable + " (Debian: apt-get install chromium chromium-driver)"));
	}

	private static final class PathLookup {

		static Optional<String> onPath(String name) {
			for (String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
				File candidate = new File(directory, name);
				if (candidate.canExecute()) {
					return Optional.of(candidate.getAbsolutePath());
				}
			}
			return Optional.empty();
		}

	}

}
