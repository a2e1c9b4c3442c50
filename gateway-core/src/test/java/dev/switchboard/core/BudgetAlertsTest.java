package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.testkit.ManualClock;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Alerts before the wall: a budget's thresholds fire once per period each, as a metric and as a signed webhook to a
 * real receiver on loopback — retried while the receiver is down, delivered when it is back. Time and the
 * scheduler are the test's: nothing sleeps for a check to come round.
 */
class BudgetAlertsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "a-webhook-secret-of-some-length";
    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-02T09:00:00Z"));
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final HeldScheduler scheduler = new HeldScheduler();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private MockModelServer model;
    private HttpServer receiver;
    private int port;

    record Received(String body, Map<String, List<String>> headers) {
    }

    /** Holds every task until the test runs it. */
    static final class HeldScheduler implements Scheduler {
        final List<Runnable> held = new CopyOnWriteArrayList<>();

        @Override
        public Cancellable after(Duration delay, Runnable task) {
            held.add(task);
            return () -> held.remove(task);
        }

        /** Runs what is held now (what they schedule waits for the next call). */
        void runHeld() {
            List<Runnable> now = new ArrayList<>(held);
            held.removeAll(now);
            now.forEach(Runnable::run);
        }
    }

    @BeforeEach
    void start() throws Exception {
        model = MockModelServer.start(MockModelOptions.builder().model("small").responseTokens(16).build());
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // the receiver's port; nothing listens on it yet
        }
    }

    @AfterEach
    void stop() {
        model.close();
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    private void startReceiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        receiver.createContext("/hooks/budget", exchange -> {
            received.add(new Received(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                    Map.copyOf(exchange.getRequestHeaders())));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
    }

    /** {@code internal-only}: the in-house calls go on past the limit and are counted, so 100% is crossed too. */
    private Gateway gateway() {
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                backends:
                  - { name: inhouse-10b, base-url: "%s", model: small, residency: internal,
                      price: { input-per-mtok: 1000, output-per-mtok: 1000, currency: CNY } }
                routes:
                  - { name: chat, rules: [ { use: [inhouse-10b] } ] }
                budgets:
                  - { tenant: retail-app, limit: 0.1 CNY/day, alerts: [50%%, 80%%, 100%%], when-exhausted: internal-only }
                alerts:
                  webhook: { url: "http://127.0.0.1:%d/hooks/budget", secret: "%s", attempts: 4 }
                """.formatted(model.baseUrl(), port, SECRET), "alerts.yaml");
        return Gateway.create(spec, GatewayOptions.defaults().withClock(clock).withMeters(meters)
                .withScheduler(scheduler));
    }

    private static GatewayRequest spend() {
        return GatewayRequest.chat("{\"model\":\"chat\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"What is a SWIFT code?\"}]}").withTenant("retail-app");
    }

    private void awaitReceived(int n) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (received.size() < n && System.nanoTime() < end) {
            Thread.sleep(10); // a real HTTP delivery on another thread
        }
        assertThat(received).hasSize(n);
    }

    private double alerts() {
        return meters.find("switchboard.budget.alerts").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    @Test
    void thresholdsFireOncePerPeriodAndTheWebhookIsRetriedUntilTheReceiverIsBack() throws Exception {
        try (Gateway g = gateway()) {
            assertThat(alerts()).isZero(); // looked at once at start: nothing spent
            double perCall = g.chat(spend()).cost();
            assertThat(perCall).isBetween(0.01, 0.05);
            while (g.budgets().get(0).spentToday().doubleValue() < 0.05) {
                g.chat(spend());
            }
            // The next look: 50% is crossed; the receiver is down, so the webhook waits for its retry.
            scheduler.runHeld();
            assertThat(alerts()).isEqualTo(1);
            long end = System.nanoTime() + 10_000_000_000L;
            while (scheduler.held.size() < 2 && System.nanoTime() < end) {
                Thread.sleep(10); // the failed attempt schedules its retry from the HTTP client's thread
            }
            assertThat(scheduler.held).hasSize(2); // the next look, and the retry
            startReceiver();
            scheduler.runHeld();
            awaitReceived(1);
            JsonNode first = JSON.readTree(received.get(0).body());
            assertThat(first.path("type").asText()).isEqualTo("budget.threshold");
            assertThat(first.path("tenant").asText()).isEqualTo("retail-app");
            assertThat(first.path("period").asText()).isEqualTo("day");
            assertThat(first.path("period_start").asText()).isEqualTo("2026-12-02");
            assertThat(first.path("threshold").asDouble()).isEqualTo(0.5);
            assertThat(first.path("currency").asText()).isEqualTo("CNY");
            assertThat(first.path("limit").asDouble()).isEqualTo(0.1);
            // Signed: HMAC-SHA256 over "timestamp.body" with the configured secret.
            String timestamp = received.get(0).headers().get("X-switchboard-timestamp").get(0);
            String signature = received.get(0).headers().get("X-switchboard-signature").get(0);
            assertThat(signature).isEqualTo("sha256=" + hmac(timestamp + "." + received.get(0).body()));
            assertThat(signature).isNotEqualTo("sha256=" + hmac(timestamp + "." + received.get(0).body() + " "));

            // Past the limit: 80% and 100% fire, each once.
            while (g.budgets().get(0).spentToday().doubleValue() < 0.1) {
                g.chat(spend());
            }
            scheduler.runHeld();
            awaitReceived(3);
            assertThat(received.subList(1, 3)).extracting(r -> JSON.readTree(r.body()).path("threshold").asDouble())
                    .containsExactlyInAnyOrder(0.8, 1.0);
            for (int i = 0; i < 3; i++) {
                scheduler.runHeld(); // later looks: nothing new this period
            }
            Thread.sleep(200);
            assertThat(received).hasSize(3);
            assertThat(alerts()).isEqualTo(3);
            assertThat(meters.get("switchboard.budget.alerts").tags("tenant", "retail-app", "period", "day",
                    "threshold", "80%").counter().count()).isEqualTo(1);
        }
    }

    @Test
    void aSecondGatewayOnTheSameStoreDoesNotSendTheSameAlertAgain() throws Exception {
        // Two sidecars on one store share the claim; in memory that is one process, so the same gateway reloaded
        // (a new alerts watcher on the same ledger) stands for it: the alert already sent is not sent again.
        startReceiver();
        Gateway g = gateway();
        Gateway reloaded = null;
        try {
            while (g.budgets().get(0).spentToday().doubleValue() < 0.05) {
                g.chat(spend());
            }
            scheduler.runHeld();
            awaitReceived(1);
            reloaded = g.reconfigure(ConfigLoader.withEnv(k -> null).parse("""
                    backends:
                      - { name: inhouse-10b, base-url: "%s", model: small, residency: internal,
                          price: { input-per-mtok: 1000, output-per-mtok: 1000, currency: CNY } }
                    routes:
                      - { name: chat, rules: [ { use: [inhouse-10b] } ] }
                    budgets:
                      - { tenant: retail-app, limit: 0.1 CNY/day, alerts: [50%%, 90%%], when-exhausted: internal-only }
                    alerts:
                      webhook: { url: "http://127.0.0.1:%d/hooks/budget", secret: "%s", attempts: 2 }
                    """.formatted(model.baseUrl(), port, SECRET), "alerts.yaml"));
            // New thresholds are not new limits: the spend so far is kept.
            assertThat(reloaded.budgets().get(0).spentToday()).isEqualByComparingTo(g.budgets().get(0).spentToday());
            assertThat(reloaded.budgets().get(0).spentToday().doubleValue()).isGreaterThanOrEqualTo(0.05);
            scheduler.runHeld();
            scheduler.runHeld();
            Thread.sleep(200);
            assertThat(received).hasSize(1);
        } finally {
            (reloaded != null ? reloaded : g).close(); // the reloaded one closes what they share
        }
    }

    private static String hmac(String payload) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
    }
}
