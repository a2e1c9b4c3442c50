package dev.switchboard.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.server.http.SwitchboardServer;
import dev.switchboard.server.telemetry.AccessLog;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The admin console in a real browser: Debian's headless chromium, driven through its chromedriver by Selenium,
 * against a sidecar with two simulated models. Every page loads without a console error; traffic shows up in the
 * decisions and the backends within 2 s; a failing backend's breaker shows open; explain traces a pasted request;
 * a budget bar follows spend. Screenshots of each page go to {@code target/console-screenshots}.
 */
class ConsoleBrowserTest {
    private static final Path SHOTS = Path.of("target/console-screenshots");
    private static MockModelServer hosted;
    private static MockModelServer inhouse;
    private static Gateway gateway;
    private static SwitchboardServer server;
    private static ChromeDriver browser;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        hosted = MockModelServer.start(MockModelOptions.builder().model("big").firstTokenDelay(Duration.ofMillis(40))
                .build());
        inhouse = MockModelServer.start(MockModelOptions.builder().model("small").build());
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                backends:
                  - name: hosted-100b
                    base-url: "%s"
                    model: big
                    residency: external
                    price: { input-per-mtok: 20, output-per-mtok: 60, currency: CNY }
                    circuit-breaker: { failure-rate: 50%%, window: 4, minimum-calls: 2, open-for: 5m }
                  - { name: inhouse-10b, base-url: "%s", model: small, residency: internal,
                      price: { input-per-mtok: 1, output-per-mtok: 2, currency: CNY } }
                routes:
                  - name: chat
                    rules:
                      - { when: { header: { x-scenario: aml-report } }, use: [hosted-100b, inhouse-10b],
                          reason: "reports need the strongest model" }
                      - { use: [inhouse-10b, hosted-100b], slo: { first-token-p95: 800ms }, reason: "in-house first" }
                budgets:
                  - { tenant: retail-app, limit: [0.01 CNY/day, 1 CNY/month] }
                resilience: { retry: { attempts: 1 } }
                """.formatted(hosted.baseUrl(), inhouse.baseUrl()), "console.yaml");
        ConsoleData console = SwitchboardServer.newConsole();
        EventLoopGroup workers = SwitchboardServer.newWorkers();
        gateway = Gateway.create(spec, GatewayOptions.defaults().withCallListener(console.listener())
                .withMeters(new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT)));
        server = SwitchboardServer.start(spec.server(), () -> gateway, workers, io.opentelemetry.api.OpenTelemetry.noop(),
                AccessLog.OFF, console);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(browserBinary());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new java.io.File(driverBinary())).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        Files.createDirectories(SHOTS);
    }

    /** Debian's chromium, or {@code CHROMIUM} ({@code .ci/run} installs the packages). */
    private static String browserBinary() {
        String env = System.getenv("CHROMIUM");
        return env != null && !env.isBlank() ? env : "/usr/bin/chromium";
    }

    private static String driverBinary() {
        String env = System.getenv("CHROMEDRIVER");
        return env != null && !env.isBlank() ? env : "/usr/bin/chromedriver";
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        hosted.close();
        inhouse.close();
    }

    private static String admin() {
        return "http://127.0.0.1:" + server.adminPort();
    }

    private static HttpResponse<String> chat(String tenant, String scenario, boolean stream) throws Exception {
        return chat(tenant, scenario, stream, "What is a SWIFT code? " + System.nanoTime());
    }

    private static HttpResponse<String> chat(String tenant, String scenario, boolean stream, String text)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                .header("content-type", "application/json").header("x-switchboard-tenant", tenant);
        if (scenario != null) {
            b.header("x-scenario", scenario);
        }
        return http.send(b.POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Opens a page and waits until it has loaded its data at least once. */
    private static void open(String page) {
        browser.get(admin() + "/#" + page);
        browser.navigate().refresh(); // a hash change alone does not reload the module
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.findElement(By.id("status")).getText()
                .startsWith("live"));
    }

    private static void shoot(String page) throws Exception {
        Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SHOTS.resolve(page + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    private static void assertNoConsoleErrors(String page) {
        List<LogEntry> severe = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
        assertThat(severe).as("console errors on " + page).isEmpty();
    }

    private static WebDriverWait within(Duration d) {
        WebDriverWait wait = new WebDriverWait(browser, d, Duration.ofMillis(100));
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class); // tables re-render every second
        return wait;
    }

    /** A backend row's cell, read in one step (the table is re-rendered every second). */
    private static String backendCell(String backend, int index) {
        Object text = browser.executeScript("const r = document.querySelector(\"tr[data-backend='\" + "
                + "arguments[0] + \"']\"); return r ? r.cells[arguments[1]].textContent : null;", backend, index);
        return text == null ? "" : text.toString();
    }

    @Test
    void everyPageLoadsWithoutErrorsAndFollowsTheTraffic() throws Exception {
        for (String page : List.of("backends", "routes", "decisions", "explain", "budgets", "compliance", "whatif")) {
            open(page);
            assertThat(browser.findElement(By.id("page-" + page)).isDisplayed()).isTrue();
            assertNoConsoleErrors(page);
        }

        // Backends: the in-house model has no first-token figure yet; after streamed calls it has one, within 2 s.
        open("backends");
        assertThat(backendCell("inhouse-10b", 4)).isEqualTo("—");
        for (int i = 0; i < 3; i++) {
            assertThat(chat("retail-app", null, true).statusCode()).isEqualTo(200);
        }
        within(Duration.ofSeconds(2)).until(d -> backendCell("inhouse-10b", 4).endsWith("ms"));

        // Decisions: new requests appear within 2 s, and a click opens the trace.
        open("decisions");
        int before = browser.findElements(By.cssSelector("#decisions-table tbody tr")).size();
        assertThat(chat("retail-app", null, false).statusCode()).isEqualTo(200);
        within(Duration.ofSeconds(2)).until(d -> d.findElements(By.cssSelector("#decisions-table tbody tr")).size()
                > before);
        within(Duration.ofSeconds(2)).until(d -> {
            d.findElements(By.cssSelector("#decisions-table tbody tr")).get(0).click();
            return true;
        });
        within(Duration.ofSeconds(2)).until(d -> d.findElement(By.id("decision-detail")).getText()
                .contains("Route chat, rule 1"));
        assertThat(browser.findElement(By.id("decision-detail")).getText()).contains("inhouse-10b")
                .doesNotContain("SWIFT"); // never the request's text
        shoot("decisions");
        assertNoConsoleErrors("decisions");

        // A failing backend: its breaker shows open.
        hosted.options(hosted.options().toBuilder().forcedStatus(500).build());
        open("backends");
        for (int i = 0; i < 3; i++) {
            chat("ops", "aml-report", false); // the hosted model first: it fails, in-house answers
        }
        // The page refreshes every second; on a loaded two-core CI machine a refresh and its rendering have taken
        // over two seconds (a full `mvn verify` run), so the bound is five.
        within(Duration.ofSeconds(5)).until(d -> backendCell("hosted-100b", 1).equals("open"));
        shoot("backends");
        hosted.options(hosted.options().toBuilder().forcedStatus(0).build());

        // Explain: a pasted request's decision, without a model being called.
        open("explain");
        int calls = inhouse.requests().size();
        WebElement body = browser.findElement(By.id("explain-body"));
        body.clear();
        body.sendKeys("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"my card 6222 0212 3456 7894\"}]}");
        browser.findElement(By.id("explain-headers")).sendKeys("x-switchboard-tenant: retail-app");
        browser.findElement(By.id("explain-run")).click();
        within(Duration.ofSeconds(5)).until(d -> d.findElement(By.id("explain-result")).getText().contains("Route chat"));
        String trace = browser.findElement(By.id("explain-result")).getText();
        assertThat(trace).contains("bank-card").contains("inhouse-10b").doesNotContain("6222");
        assertThat(inhouse.requests()).hasSize(calls);
        shoot("explain");
        assertNoConsoleErrors("explain");

        // Budgets: the tenant's bar shows what it spent.
        open("budgets");
        WebElement bar = browser.findElement(By.cssSelector("[data-tenant='retail-app'] .budget"));
        assertThat(Double.parseDouble(bar.getAttribute("data-spent"))).isPositive();
        assertThat(bar.findElement(By.cssSelector(".used")).getSize().getWidth()).isPositive();
        shoot("budgets");

        // Compliance: a request holding a card number is kept inside, and counted by kind (never its value).
        assertThat(chat("ops", null, false, "my card is 6222 0212 3456 7894, why was it declined?").statusCode())
                .isEqualTo(200);
        for (String page : List.of("routes", "compliance")) {
            open(page);
            shoot(page);
            assertNoConsoleErrors(page);
        }
        assertThat(Integer.parseInt(browser.findElement(By.cssSelector("[data-name='route-internal'] .value"))
                .getText())).isPositive();
        assertThat(browser.findElement(By.id("compliance-kinds")).getText()).contains("bank-card")
                .doesNotContain("6222");
        open("routes");
        assertThat(browser.findElement(By.id("routes-list")).getText()).contains("reports need the strongest model")
                .contains("first token 800 ms");
    }

    @Test
    void whatIfComparesTheConfigInForceWithAProposedOne() throws Exception {
        Path dir = Files.createTempDirectory("console-what-if");
        Path traffic = dir.resolve("traffic.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            lines.append("{\"t\":").append(i).append(",\"tenant\":\"retail-app\",\"model\":\"chat\",")
                    .append("\"prompt_tokens\":500,\"output_tokens\":200}\n");
        }
        Files.writeString(traffic, lines);
        Path proposed = dir.resolve("proposed.yaml");
        Files.writeString(proposed, """
                backends:
                  - { name: hosted-100b, base-url: "http://127.0.0.1:1/v1", model: big, residency: external,
                      price: { input-per-mtok: 20, output-per-mtok: 60, currency: CNY } }
                  - { name: inhouse-10b, base-url: "http://127.0.0.1:2/v1", model: small, residency: internal,
                      price: { input-per-mtok: 1, output-per-mtok: 2, currency: CNY } }
                routes:
                  - { name: chat, rules: [ { use: [hosted-100b] } ] }
                """);
        open("whatif");
        browser.findElement(By.id("whatif-traffic")).sendKeys(traffic.toAbsolutePath().toString());
        browser.findElement(By.id("whatif-config")).sendKeys(proposed.toAbsolutePath().toString());
        browser.findElement(By.id("whatif-run")).click();
        within(Duration.ofSeconds(30)).until(d -> d.findElement(By.id("whatif-result")).getText().contains("total cost"));
        String result = browser.findElement(By.id("whatif-result")).getText();
        assertThat(result).contains("in force").contains("proposed");
        shoot("whatif");
        assertNoConsoleErrors("whatif");
    }

    @Test
    void theConsoleRefusesCrossSiteRequestsAndAnAdminBeyondLoopbackNeedsItsKey() throws Exception {
        // A page on another site cannot make the operator's browser reload the config or run work.
        HttpResponse<String> crossSite = http.send(HttpRequest.newBuilder(URI.create(admin() + "/admin/explain"))
                .header("origin", "http://evil.example").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat\",\"messages\":[]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(crossSite.statusCode()).isEqualTo(403);
        HttpResponse<String> noToken = http.send(HttpRequest.newBuilder(URI.create(admin() + "/admin/explain"))
                .header("origin", admin()).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat\",\"messages\":[]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(403);
        // DNS rebinding: a page on another site whose name now points at 127.0.0.1 still sends its own name as
        // Host; without an admin key, the admin port answers only requests addressed to this machine.
        HttpResponse<String> rebound = rawGet(server.adminPort(), "/admin/console-token", "evil.example:"
                + server.adminPort());
        assertThat(rebound.statusCode()).isEqualTo(403);
        assertThat(rawGet(server.adminPort(), "/admin/console-token", "localhost:" + server.adminPort()).statusCode())
                .isEqualTo(200);
        // The page's scripts and styles only: no inline code, no framing.
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(admin() + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.headers().firstValue("content-security-policy").orElseThrow()).contains("script-src 'self'")
                .contains("frame-ancestors 'none'").doesNotContain("unsafe-inline");
        assertThat(page.body()).doesNotContain("<script>").doesNotContain("style=");

        String key = "sb-admin-key-for-tests";
        String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        GatewaySpec open = ConfigLoader.withEnv(k -> null).parse("""
                server: { listen: 127.0.0.1:0, admin: "0.0.0.0:0", auth: { mode: open }, admin-auth: { sha256: %s } }
                backends: [ { name: inhouse-10b, base-url: "%s", model: small, residency: internal } ]
                routes: [ { name: chat, rules: [ { use: [inhouse-10b] } ] } ]
                """.formatted(hash, inhouse.baseUrl()), "wide.yaml");
        try (Gateway g = Gateway.create(open, GatewayOptions.defaults());
             SwitchboardServer wide = SwitchboardServer.start(open.server(), g)) {
            String base = "http://127.0.0.1:" + wide.adminPort();
            for (String path : List.of("/", "/admin/backends", "/admin/config", "/admin/decisions")) {
                HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).as(path).isEqualTo(401);
                assertThat(refused.headers().firstValue("www-authenticate").orElse("")).startsWith("Basic");
                HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(base + path))
                        .header("authorization", "Bearer not-the-key").build(), HttpResponse.BodyHandlers.ofString());
                assertThat(wrong.statusCode()).as(path).isEqualTo(401);
                HttpResponse<String> admitted = http.send(HttpRequest.newBuilder(URI.create(base + path))
                        .header("authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(admitted.statusCode()).as(path).isEqualTo(200);
            }
            // What a browser sends after its login prompt.
            HttpResponse<String> basic = http.send(HttpRequest.newBuilder(URI.create(base + "/admin/backends"))
                    .header("authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                            ("admin:" + key).getBytes(java.nio.charset.StandardCharsets.UTF_8))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(basic.statusCode()).isEqualTo(200);
        }
        // Without a key, an admin port beyond loopback does not start: the config says why.
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> ConfigLoader.withEnv(k -> null).parse("""
                server: { admin: "0.0.0.0:9090" }
                backends: [ { name: inhouse-10b, base-url: "http://127.0.0.1:1/v1", model: small, residency: internal } ]
                routes: [ { name: chat, rules: [ { use: [inhouse-10b] } ] } ]
                """, "wide.yaml"))).hasMessageContaining("server.admin").hasMessageContaining("admin-auth");
    }

    /** A GET with a Host header of the test's choosing (java.net.http does not allow setting it). */
    private static HttpResponse<String> rawGet(int port, String path, String host) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int status = Integer.parseInt(answer.substring(9, 12));
            return new HttpResponse<>() {
                public int statusCode() {
                    return status;
                }

                public HttpRequest request() {
                    return null;
                }

                public java.util.Optional<HttpResponse<String>> previousResponse() {
                    return java.util.Optional.empty();
                }

                public java.net.http.HttpHeaders headers() {
                    return java.net.http.HttpHeaders.of(java.util.Map.of(), (a, b) -> true);
                }

                public String body() {
                    return answer;
                }

                public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
                    return java.util.Optional.empty();
                }

                public URI uri() {
                    return URI.create("http://" + host + path);
                }

                public HttpClient.Version version() {
                    return HttpClient.Version.HTTP_1_1;
                }
            };
        }
    }
}
