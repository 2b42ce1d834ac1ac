package io.meshwork.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.json.Json;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard page in a real headless chromium, against {@link DashboardFixtureServer}: the
 * page's own HTML and script, the contract's sample {@code state.json}/{@code mesh.json} and a
 * live event stream. Asserts what a person would read: the endpoint table, the service map, the
 * event list, the registry's refusal, and that the page fetches nothing outside its process.
 */
class DashboardBrowserTest {

  private static HeadlessChromium chromium;
  private DashboardFixtureServer fixture;

  @BeforeAll
  static void startBrowser() {
    chromium = HeadlessChromium.start();
  }

  @AfterAll
  static void quitBrowser() {
    if (chromium != null) {
      chromium.close();
    }
  }

  @BeforeEach
  void startFixture() throws Exception {
    fixture = new DashboardFixtureServer(DashboardFixtureServer.resource("/io/meshwork/admin/fixture-state.json"),
        DashboardFixtureServer.resource("/io/meshwork/admin/fixture-mesh.json"));
  }

  @AfterEach
  void stopFixture() {
    chromium.driver.get("about:blank");
    fixture.close();
  }

  @Test
  void showsTheEndpointTableTheMapAndTheEventsOfTheProcess() throws Exception {
    fixture.emit("registry-updated", event("registry-updated", null, null, "version 7"));
    WebDriver driver = chromium.driver;
    driver.get(fixture.uri() + "admin");

    String ejected = "#endpoints-greeter tr[data-address=\"127.0.0.1:8081\"]";
    String serving = "#endpoints-greeter tr[data-address=\"127.0.0.1:8082\"]";
    waitFor(By.cssSelector(ejected));
    assertThat(attribute(ejected, "data-state")).isEqualTo("ejected");
    assertThat(text(ejected + " [data-col=state]")).isEqualTo("EJECTED");
    assertThat(text(ejected + " [data-col=ejections]")).isEqualTo("1");
    assertThat(text(ejected + " [data-col=ejected-for]")).isEqualTo("4 s");
    assertThat(text(ejected + " [data-col=success]")).isEqualTo("75.0%");
    assertThat(text(ejected + " [data-col=labels]")).isEqualTo("version=v1");
    assertThat(text(serving + " [data-col=weight]")).isEqualTo("100");
    assertThat(style(ejected + " td", "backgroundColor")).as("an ejected row is highlighted")
        .isEqualTo("rgb(253, 236, 236)");
    assertThat(style(serving + " td", "backgroundColor")).isEqualTo("rgba(0, 0, 0, 0)");
    // The EWMA bar is scaled to the slowest endpoint: 9.5 ms is full, 1.3 ms about 14 %.
    assertThat(attribute(ejected + " .bar span", "style")).isEqualTo("width:100.0%");
    assertThat(attribute(serving + " .bar span", "style")).isEqualTo("width:13.7%");

    assertThat(text("#dest-greeter [data-metric=rps] .v")).isEqualTo("29.8");
    assertThat(text("#dest-greeter [data-metric=success] .v")).isEqualTo("97.0%");
    assertThat(text("#dest-greeter [data-metric=p99] .v")).isEqualTo("7.90 ms");
    assertThat(text("#dest-greeter .circuit")).isEqualTo("breaker HALF-OPEN probe in 2 s");
    assertThat(text("#dest-greeter [data-gauge=\"retry budget\"]")).contains("12.0 retries available (min 10/s");
    assertThat(text("#dest-greeter [data-gauge=concurrency]")).contains("3 in flight of 1000");

    assertThat(text("#service-name")).isEqualTo("frontend");
    assertThat(text("#spiffe-id")).isEqualTo("spiffe://meshwork.local/ns/default/sa/frontend");
    assertThat(text("#cert-left")).isEqualTo("expires in 59m 59s");
    WebElement problems = driver.findElement(By.id("registry-problems"));
    assertThat(problems.isDisplayed()).isTrue();
    assertThat(problems.getText())
        .isEqualTo("registry document refused: /tmp/mesh.yaml:4:9: timeout: not a duration: 2x (expected e.g. 250ms, 2s)");
    assertThat(problems.getCssValue("color")).as("problems in red").isEqualTo("rgba(198, 40, 40, 1)");

    waitFor(By.cssSelector("#map [data-edge=\"frontend->greeter\"]"));
    assertThat(text("#map [data-edge=\"frontend->greeter\"] text")).isEqualTo("29.8/s · 97.0%");
    assertThat(text("#map [data-edge=\"loadgen->frontend\"] text")).isEqualTo("3.0/s · 2 refused");
    assertThat(text("#callers tr[data-caller=loadgen] [data-col=refused]")).isEqualTo("2 (access-denied 2)");

    waitFor(By.cssSelector("#mesh-map [data-node=greeter]"));
    assertThat(attribute("#mesh-map [data-node=greeter]", "data-status")).isEqualTo("unreachable");
    assertThat(text("#mesh-map [data-node=greeter] .sub")).isEqualTo("unreachable");
    assertThat(text("#mesh-map [data-edge=\"frontend->greeter\"] text")).isEqualTo("29.8/s · 97.0%");
    assertThat(text("#mesh-map [data-edge=\"frontend->audit\"] text")).isEqualTo("1.0/s · 100%");
    assertThat(text("#mesh-map [data-node=audit] .sub")).isEqualTo("no admin port");
    assertThat(text("#mesh-summary")).as("frontend, listed again as a peer, counts once")
        .isEqualTo("2 processes, 1 unreachable");
    assertThat(text("#mesh-map [data-node=frontend] .sub")).isEqualTo("1 process");
    assertThat(text("#mesh-map [data-edge=\"loadgen->frontend\"] text")).as("a caller without an admin port")
        .isEqualTo("3.0/s");
    assertThat(text("#mesh-map [data-node=loadgen] .sub")).isEqualTo("no admin port");

    // The replayed event, then one sent while the page is open, newest first.
    waitFor(By.cssSelector("#events li[data-type=registry-updated]"));
    awaitStreamConnected();
    fixture.emit("ejected", event("ejected", "greeter", "127.0.0.1:8081", "ejected for 5000 ms (1 in a row)"));
    WebElement event = waitFor(By.cssSelector("#events li[data-type=ejected]"));
    assertThat(event.getAttribute("data-endpoint")).isEqualTo("127.0.0.1:8081");
    assertThat(event.getText()).contains("greeter 127.0.0.1:8081").contains("ejected for 5000 ms (1 in a row)");
    assertThat(driver.findElements(By.cssSelector("#events li")).stream().map(e -> e.getAttribute("data-type")))
        .containsExactly("ejected", "registry-updated");
    chromium.screenshot(System.getProperty("meshwork.dashboard.fixture-screenshot"));
  }

  @Test
  void followsTheStateAtTheSlashAddressKeepsTheEventListBoundedAndSaysWhenDisconnected() {
    WebDriver driver = chromium.driver;
    driver.get(fixture.uri() + "admin/");
    waitFor(By.cssSelector("#endpoints-greeter tr[data-address=\"127.0.0.1:8081\"][data-state=ejected]"));

    fixture.state(DashboardFixtureServer.resource("/io/meshwork/admin/fixture-state.json")
        .replace("\"state\": \"ejected\"", "\"state\": \"serving\"")
        .replace("\"ejectedForMs\": 4200", "\"ejectedForMs\": 0"));
    waitFor(By.cssSelector("#endpoints-greeter tr[data-address=\"127.0.0.1:8081\"][data-state=serving]"));
    assertThat(text("#endpoints-greeter tr[data-address=\"127.0.0.1:8081\"] [data-col=ejected-for]")).isEqualTo("–");

    awaitStreamConnected();
    for (int i = 1; i <= 250; i++) {
      fixture.emit("call-refused", event("call-refused", "greeter", null, "circuit open #" + i));
    }
    new WebDriverWait(driver, Duration.ofSeconds(15)).until(d ->
        "(250 received, latest 200 shown)".equals(attribute("#events-count", "textContent")));
    List<WebElement> items = driver.findElements(By.cssSelector("#events li"));
    assertThat(items).hasSize(200);
    assertThat(items.get(0).getText()).endsWith("circuit open #250");
    assertThat(items.get(199).getText()).endsWith("circuit open #51");
    assertThat(fixture.requested()).contains("/admin/state.json", "/admin/mesh.json", "/admin/events");

    assertThat(text("#conn-state")).startsWith("LIVE");
    fixture.close();
    new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> "DISCONNECTED".equals(text("#conn-state")));
    assertThat(attribute("#endpoints-greeter tr[data-address=\"127.0.0.1:8081\"]", "data-state"))
        .as("the last state stays on the page").isEqualTo("serving");
  }

  @Test
  void showsAnIdlePlaintextProcessPlainly() {
    fixture.state("""
        {"schema": "meshwork.admin.state/1", "generatedAt": "2026-12-08T04:00:00.123Z",
         "service": {"name": "batch", "zone": null, "trustDomain": "meshwork.local", "tlsMode": "permissive", "admin": null},
         "identity": null,
         "registry": {"kind": "FileRegistry", "source": "file:/tmp/mesh.yaml", "version": 1,
                      "lastApplied": null, "problems": [], "readProblem": null},
         "destinations": [], "inbound": {"callers": []}}
        """);
    fixture.mesh(null);
    WebDriver driver = chromium.driver;
    driver.get(fixture.uri() + "admin");
    new WebDriverWait(driver, Duration.ofSeconds(15)).until(d -> "batch".equals(text("#service-name")));
    assertThat(text("#spiffe-id")).isEqualTo("plaintext (permissive)");
    assertThat(text("#zone")).isEqualTo("–");
    assertThat(driver.findElement(By.id("registry-problems")).isDisplayed()).isFalse();
    assertThat(text("#destinations")).isEqualTo("this process calls no destination yet");
    assertThat(text("#inbound")).isEqualTo("none seen");
    assertThat(text("#map [data-node=batch] .sub")).isEqualTo("this process");
    new WebDriverWait(driver, Duration.ofSeconds(15)).until(d ->
        "(mesh.json unavailable)".equals(attribute("#mesh-summary", "textContent")));
  }

  /**
   * 100 destinations of 10 endpoints each (the size state.json is measured at), every figure
   * changing at every poll (the worst case: nothing can be kept from the last drawing): the
   * page draws it well within its one-second polling period. The figures (script time, from
   * the page's own performance.now()) are printed for the record.
   */
  @Test
  void drawsAHundredDestinationsOfTenEndpointsWellWithinItsPollingPeriod() {
    StringBuilder state = new StringBuilder("""
        {"schema": "meshwork.admin.state/1", "generatedAt": "2026-12-08T04:00:00.123Z",
         "service": {"name": "frontend", "zone": "z1", "tlsMode": "permissive", "admin": null}, "identity": null,
         "registry": {"source": "file:/tmp/mesh.yaml", "version": 3, "problems": [], "readProblem": null},
         "inbound": {"callers": []}, "destinations": [""");
    for (int d = 0; d < 100; d++) {
      state.append(d == 0 ? "" : ",").append("""
          {"service": "svc-%03d", "known": true, "protocol": "http", "loadBalancer": "peak-ewma", "timeout": "2s",
           "routes": [], "golden": {"windowSeconds": 10, "requestsPerSecond": POLL, "successRate": 0.9996,
           "p50Ms": 1.0, "p99Ms": 9.0}, "circuit": {"state": "closed", "probeInMs": null},
           "retryBudget": {"available": 10.0, "ratio": 0.2, "minPerSecond": 10, "ttl": "10s", "throttled": false,
           "throttleTokens": null, "refusedByBudget": 0, "refusedByThrottle": 0},
           "concurrency": {"inFlight": 1, "limit": 1000}, "endpoints": [""".formatted(d));
      for (int e = 0; e < 10; e++) {
        state.append(e == 0 ? "" : ",").append("""
            {"address": "127.0.0.1:%d", "zone": "z1", "labels": {"version": "v1"}, "weight": 100,
             "state": "%s", "ewmaMs": %d.5, "outstanding": 0, "attempts": 100, "failures": 0, "successRate": 1.0,
             "requestsPerSecond": POLL, "ejectedForMs": 0, "ejections": 0, "admin": null}"""
            .formatted(10_000 + d * 10 + e, e == 3 ? "ejected" : "serving", e));
      }
      state.append("]}");
    }
    String template = state.append("]}").toString();
    java.util.concurrent.atomic.AtomicInteger polls = new java.util.concurrent.atomic.AtomicInteger();
    fixture.state(() -> template.replace("POLL", String.valueOf(polls.incrementAndGet())));
    WebDriver driver = chromium.driver;
    driver.get(fixture.uri() + "admin");
    waitFor(By.cssSelector("#endpoints-svc-099 tr[data-address=\"127.0.0.1:10999\"]"));
    assertThat(driver.findElements(By.cssSelector("table.endpoints tbody tr"))).hasSize(1000);
    assertThat(text("#dest-svc-000 [data-metric=success] .v")).as("not rounded up to 100%").isEqualTo("99.9%");
    assertThat(driver.findElements(By.cssSelector("table.endpoints tr[data-state=ejected]"))).hasSize(100);
    assertThat(driver.findElements(By.cssSelector("#map [data-edge^=\"frontend->svc-\"]"))).hasSize(100);
    // Redraws of changed figures, then the slowest of what the page measured.
    int from = polls.get();
    new WebDriverWait(driver, Duration.ofSeconds(15)).until(d -> polls.get() >= from + 4);
    assertThat(Double.parseDouble(text("#dest-svc-050 [data-metric=rps] .v"))).as("figures redrawn")
        .isGreaterThan(from);
    double first = Double.parseDouble(attribute("body", "data-first-render-ms"));
    double last = Double.parseDouble(attribute("body", "data-render-ms"));
    System.out.printf("dashboard: 100 destinations x 10 endpoints: first drawing %.1f ms, a later one %.1f ms%n",
        first, last);
    assertThat(first).as("ms to draw state.json the first time").isLessThan(1000.0);
    assertThat(last).as("ms to redraw state.json with every figure changed").isLessThan(1000.0);
  }

  @Test
  void showsTextFromTheJsonAsTextNeverAsMarkup() {
    WebDriver driver = chromium.driver;
    driver.get(fixture.uri() + "admin");
    String hostile = "<img src=x onerror=\"window.__xss=1\">";
    String table = "table[data-service='" + hostile.replace("'", "\\'") + "']";
    waitFor(By.cssSelector(table));
    assertThat(attribute(table, "id")).isEqualTo("endpoints-" + hostile);
    assertThat(driver.findElement(By.cssSelector("#destinations")).getText()).contains(hostile);
    assertThat(driver.findElements(By.tagName("img"))).as("no element made from the JSON's text").isEmpty();
    // A javascript: admin URL is not turned into a link; an http one is.
    assertThat(driver.findElements(By.cssSelector("#endpoints-greeter tr[data-address=\"127.0.0.1:8081\"] a"))).isEmpty();
    assertThat(driver.findElement(By.cssSelector("#endpoints-greeter tr[data-address=\"127.0.0.1:8082\"] a"))
        .getAttribute("href")).isEqualTo("http://127.0.0.1:9902/admin");
    assertThat(((JavascriptExecutor) driver).executeScript("return window.__xss === undefined")).isEqualTo(true);
  }

  @Test
  void theUrlCheckFindsAbsoluteAndProtocolRelativeUrls() {
    List<String> found = absoluteUrls("<script src=\"//cdn.example.com/x.js\"></script> fetch('https://a.example/b')"
        + " new WebSocket('ws://127.0.0.1:1/') // a comment; url.protocol === \"http:\"; fetch(BASE + \"state.json\")");
    assertThat(found).hasSize(3);
    assertThat(String.join(" ", found)).contains("//cdn.example.com/x.js", "https://a.example/b", "ws://127.0.0.1:1/");
  }

  @Test
  void fetchesNothingOutsideItsOwnProcess() throws Exception {
    // The page as served: no absolute URL at all (the SVG namespace is read from the DOM).
    HttpResponse<String> page = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(fixture.uri() + "admin")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(absoluteUrls(page.body())).as("absolute URLs in dashboard.html").isEmpty();
    assertThat(page.body()).doesNotContainIgnoringCase("<link rel=\"stylesheet\"")
        .doesNotContainIgnoringCase("<script src").doesNotContainIgnoringCase("@import")
        .doesNotContainIgnoringCase("@font-face");

    WebDriver driver = chromium.driver;
    chromium.driver.manage().logs().get(LogType.PERFORMANCE); // drop what earlier tests left
    driver.get(fixture.uri() + "admin");
    waitFor(By.cssSelector("#mesh-map [data-node=greeter]"));
    new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> fixture.requested().stream()
        .filter("/admin/state.json"::equals).count() >= 2);

    String origin = "http://127.0.0.1:" + fixture.uri().getPort();
    List<String> requested = new ArrayList<>();
    for (LogEntry entry : driver.manage().logs().get(LogType.PERFORMANCE)) {
      Map<String, Object> message = JSON.toType(entry.getMessage(), Json.MAP_TYPE);
      Map<?, ?> inner = (Map<?, ?>) message.get("message");
      if ("Network.requestWillBeSent".equals(inner.get("method"))) {
        requested.add((String) ((Map<?, ?>) ((Map<?, ?>) inner.get("params")).get("request")).get("url"));
      }
    }
    assertThat(requested).as("requests seen by chromium's network log")
        .contains(origin + "/admin", origin + "/admin/state.json", origin + "/admin/mesh.json", origin + "/admin/events")
        .allSatisfy(u -> assertThat(u).startsWith(origin + "/admin"));
    @SuppressWarnings("unchecked")
    List<String> entries = (List<String>) ((JavascriptExecutor) driver)
        .executeScript("return performance.getEntries().map(e => e.name).filter(n => /^[a-z]+:/.test(n))");
    assertThat(entries).as("performance.getEntries()").isNotEmpty()
        .allSatisfy(u -> assertThat(u).startsWith(origin + "/admin"));
    assertThat(driver.manage().logs().get(LogType.BROWSER).getAll())
        .as("errors in the console (a script error, a blocked request, a Content-Security-Policy violation)")
        .noneMatch(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue());
    assertThat(fixture.requested()).as("paths asked of the server")
        .allSatisfy(p -> assertThat(p).isIn("/admin", "/admin/state.json", "/admin/mesh.json", "/admin/events"));
  }

  /**
   * The page served by a real {@link MeshAdmin} over a running mesh (see
   * {@link DashboardScenario}): loadgen calls frontend, frontend calls three greeters; one greeter
   * is killed. frontend's dashboard shows that endpoint ejected once, the frontend-to-greeter
   * edge with its rate, loadgen as a caller, the ejection in the event stream, the dead
   * greeter's admin server as unreachable on the mesh map, and quotes' breaker open. Saves the screenshot in the README
   * when {@code -Dmeshwork.dashboard.screenshot=<png>} is set.
   */
  @Test
  void showsAKilledEndpointEjectedOnARunningMesh(@TempDir Path dir) throws Exception {
    try (DashboardScenario mesh = new DashboardScenario(dir.resolve("ca"), 3).startTrickle(50)) {
      List<String> addresses = mesh.greeters.stream().map(DashboardScenario.Greeter::address).sorted().toList();
      chromium.driver.get(mesh.frontendAdmin.uri() + "admin");
      try {
        watchTheScenario(mesh, addresses);
      } catch (AssertionError | RuntimeException e) {
        // What the page saw, for whoever reads the failure (target/ is not committed).
        chromium.screenshot("target/dashboard-failure.png");
        for (String doc : List.of("state.json", "mesh.json")) {
          HttpResponse<String> r = HttpClient.newHttpClient().send(
              HttpRequest.newBuilder(mesh.frontendAdmin.uri().resolve("admin/" + doc)).build(),
              HttpResponse.BodyHandlers.ofString());
          Path saved = Files.writeString(Path.of("target", "dashboard-failure-" + doc), r.body());
          e.addSuppressed(new AssertionError("saved " + saved + " (HTTP " + r.statusCode() + ")"));
        }
        throw e;
      }
      chromium.screenshot(System.getProperty("meshwork.dashboard.screenshot"));
    }
  }

  private void watchTheScenario(DashboardScenario mesh, List<String> addresses) {
    WebDriver driver = chromium.driver;
    String greeter = "#endpoints-greeter tr[data-address=\"%s\"]";
    for (String address : addresses) {
      waitFor(By.cssSelector(greeter.formatted(address) + "[data-state=serving]"));
    }
    new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> mesh.ok.get() >= 20);

    String victim = mesh.kill(1);
    String row = greeter.formatted(victim);
    waitFor(By.cssSelector(row + "[data-state=ejected]"));
    assertThat(text(row + " [data-col=ejections]")).isEqualTo("1");
    assertThat(text(row + " [data-col=ejected-for]")).as("30 s ejection, counting down").matches("[1-3]?[0-9] s");
    assertThat(text(row + " [data-col=labels]")).isEqualTo("version=v1");
    for (String other : addresses) {
      if (!other.equals(victim)) {
        assertThat(attribute(greeter.formatted(other), "data-state")).isEqualTo("serving");
      }
    }

    String edge = "#map [data-edge=\"frontend->greeter\"] text";
    new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> {
      String label = text(edge);
      return label != null && label.matches("[0-9.]+/s · [0-9.]+%") && !label.startsWith("0.0/s");
    });
    new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> text("#callers tr[data-caller=loadgen]") != null);
    assertThat(text("#service-name")).isEqualTo("frontend");
    assertThat(text("#spiffe-id")).startsWith("spiffe://meshwork.local/").endsWith("frontend");

    // mesh.json is polled every 5 s and cached 2 s by the server.
    new WebDriverWait(driver, Duration.ofSeconds(20)).until(d ->
        "greeter".equals(attribute("#mesh-map [data-node=greeter]", "data-node"))
            && String.valueOf(text("#mesh-map [data-node=greeter] .sub")).contains("unreachable"));
    assertThat(text("#mesh-map [data-node=greeter] .sub")).isEqualTo("1 of 3 unreachable");
    assertThat(text("#mesh-map [data-edge=\"frontend->greeter\"] text")).matches("[0-9.]+/s · [0-9.]+%");
    WebElement event = waitFor(By.cssSelector("#events li[data-type=ejected][data-endpoint=\"" + victim + "\"]"));
    assertThat(event.getAttribute("data-service")).isEqualTo("greeter");
    assertThat(event.getText()).contains("greeter " + victim);

    // quotes answered 503 to its first calls: its breaker is open, and the map says so.
    waitFor(By.cssSelector("#dest-quotes .circuit .pill[data-state=open]"));
    assertThat(text("#dest-quotes .probe-in")).matches("probe in [0-9]+ s");
    assertThat(attribute("#map [data-node=quotes]", "class")).contains("bad");
    assertThat(text("#events li[data-type=circuit][data-service=quotes] .detail")).isEqualTo("closed -> open");
  }

  private static final Json JSON = new Json();
  /** http(s)/ws(s) URLs, and protocol-relative ones ({@code src="//cdn.example/x.js"}). */
  private static final Pattern ABSOLUTE_URL =
      Pattern.compile("(?i)\\b(?:https?|wss?)://\\S+|[\"'(=\\s]//[a-z0-9][^\\s\"')]*");

  static List<String> absoluteUrls(String text) {
    List<String> found = new ArrayList<>();
    Matcher m = ABSOLUTE_URL.matcher(text);
    while (m.find()) {
      found.add(m.group().trim());
    }
    return found;
  }

  private void awaitStreamConnected() {
    new WebDriverWait(chromium.driver, Duration.ofSeconds(10)).until(d -> fixture.connectedStreams() > 0);
  }

  private static String event(String type, String service, String endpoint, String detail) {
    StringBuilder b = new StringBuilder("{\"type\":\"").append(type).append("\",\"at\":\"2026-12-08T04:00:00.123Z\"");
    if (service != null) {
      b.append(",\"service\":\"").append(service).append('"');
    }
    if (endpoint != null) {
      b.append(",\"endpoint\":\"").append(endpoint).append('"');
    }
    return b.append(",\"detail\":\"").append(detail).append("\"}").toString();
  }

  private static WebElement waitFor(By by) {
    return new WebDriverWait(chromium.driver, Duration.ofSeconds(15))
        .ignoring(StaleElementReferenceException.class)
        .until(d -> {
          List<WebElement> found = d.findElements(by);
          return found.isEmpty() ? null : found.get(0);
        });
  }

  private static String text(String css) {
    return (String) ((JavascriptExecutor) chromium.driver).executeScript(
        "const e = document.querySelector(arguments[0]);"
            + " return e === null ? null : (e instanceof HTMLElement ? e.innerText : e.textContent).trim()", css);
  }

  private static String style(String css, String property) {
    return (String) ((JavascriptExecutor) chromium.driver).executeScript(
        "const e = document.querySelector(arguments[0]); return e === null ? null : getComputedStyle(e)[arguments[1]]",
        css, property);
  }

  private static String attribute(String css, String name) {
    return (String) ((JavascriptExecutor) chromium.driver).executeScript(
        "const e = document.querySelector(arguments[0]);"
            + " return e === null ? null : arguments[1] === 'textContent' ? e.textContent : e.getAttribute(arguments[1])",
        css, name);
  }
}
