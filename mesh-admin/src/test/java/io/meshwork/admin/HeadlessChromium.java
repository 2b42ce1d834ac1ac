package io.meshwork.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.awaitility.Awaitility;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless chromium driven through its chromedriver, with explicit binaries so that
 * Selenium Manager never looks for (or downloads) a driver or a browser. Skips the calling test
 * (an assumption naming the missing file) when chromium or chromium-driver is not installed;
 * {@code .ci/run} installs both. {@link #close()} quits the browser and checks that no process
 * started for it outlives the test.
 */
final class HeadlessChromium implements AutoCloseable {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  final ChromeDriver driver;
  private final ChromeDriverService service;

  private HeadlessChromium(ChromeDriverService service, ChromeDriver driver) {
    this.service = service;
    this.driver = driver;
  }

  /** Starts chromium with a 1280×900 window and the performance (network) log switched on. */
  static HeadlessChromium start() {
    assumeTrue(Files.isExecutable(CHROMIUM),
        CHROMIUM + " not found: install Debian's chromium (apt-get install chromium chromium-driver)");
    assumeTrue(Files.isExecutable(CHROMEDRIVER),
        CHROMEDRIVER + " not found: install Debian's chromium-driver (apt-get install chromium-driver)");
    // Selenium Manager is skipped when the driver's path is given; the property makes sure.
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1280,900", "--no-first-run", "--no-default-browser-check",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-extensions", "--metrics-recording-only", "--force-device-scale-factor=1");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.PERFORMANCE, Level.ALL);
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    options.setExperimentalOption("perfLoggingPrefs", Map.of("enableNetwork", true, "enablePage", false));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
        .usingAnyFreePort()
        .withSilent(true)
        .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    try {
      // A viewport of exactly 1280×900, whatever the headless window's own bars take.
      driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
          Map.of("width", 1280, "height", 900, "deviceScaleFactor", 1, "mobile", false));
      driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
      driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      driver.quit();
      service.stop();
      throw e;
    }
    return new HeadlessChromium(service, driver);
  }

  /**
   * Saves a PNG of the window to {@code target} when it is not null (the tests pass a path
   * from a system property, so that CI does not write screenshots on every run).
   */
  void screenshot(String target) throws java.io.IOException {
    if (target == null || target.isBlank()) {
      return;
    }
    byte[] png = driver.getScreenshotAs(org.openqa.selenium.OutputType.BYTES);
    Path path = Path.of(target).toAbsolutePath();
    Files.createDirectories(path.getParent());
    Files.write(path, png);
  }

  /** chromedriver, chromium and chromium's helpers started from this JVM and still alive. */
  static List<ProcessHandle> liveDescendants() {
    return ProcessHandle.current().descendants()
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().command().map(c -> c.contains("chrom")).orElse(true))
        .toList();
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
      Awaitility.await("chromedriver and chromium to exit after quit()")
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(() -> assertThat(liveDescendants())
              .as("processes left behind by the browser")
              .map(p -> p.pid() + " " + p.info().command().orElse("?"))
              .isEmpty());
    }
  }
}
