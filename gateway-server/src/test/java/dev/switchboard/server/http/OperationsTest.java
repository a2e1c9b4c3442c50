package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Metrics, the redacted config and draining on shutdown. */
class OperationsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private MockModelServer model;
    private Gateway gateway;
    private SwitchboardServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        model = MockModelServer.start(MockModelOptions.builder().model("m").responseTokens(6).build());
        GatewaySpec spec = spec("");
        gateway = Gateway.create(spec, GatewayOptions.defaults()
                .withMeters(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
        server = SwitchboardServer.start(spec.server(), gateway);
    }

    /** One backend, the model, open to any caller; {@code more} adds top-level sections. */
    private GatewaySpec spec(String more) {
        return ConfigLoader.withEnv(k -> null).parse("""
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                backends:
                  - { name: hosted, base-url: "%s", model: m, residency: internal, api-key: sk-very-secret-upstream }
                routes:
                  - { name: chat, rules: [ { use: [hosted] } ] }
                """.formatted(model.baseUrl()) + more, "t");
    }

    @AfterEach
    void stop() {
        server.close();
        gateway.close();
        model.close();
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private CompletableFuture<HttpResponse<String>> chat(boolean stream) {
        return chat(server, stream);
    }

    private CompletableFuture<HttpResponse<String>> chat(SwitchboardServer to, boolean stream) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(to.baseUrl() + "/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat\",\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsUseTheGenAiNamesAndTheConfigIsRedacted() throws Exception {
        assertThat(chat(false).get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(chat(true).get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        String metrics = get(server.adminPort(), "/metrics").body();
        assertThat(metrics).contains("gen_ai_client_token_usage", "gen_ai_client_operation_duration",
                "gen_ai_server_time_to_first_token", "switchboard_decisions_total");
        String config = get(server.adminPort(), "/admin/config").body();
        JsonNode backend = JSON.readTree(config).at("/backends/0");
        assertThat(backend.get("api-key").asText()).isEqualTo("***");
        assertThat(config).doesNotContain("sk-very-secret-upstream");
        // The order every request goes through, as the gateway assembled it.
        assertThat(JSON.readTree(config).get("chain")).extracting(JsonNode::asText).containsExactly("audit",
                "rate-limit", "compliance", "cache", "route", "failover", "admission", "backend");
        assertThat(metrics).doesNotContain("sk-very-secret-upstream");
        JsonNode state = JSON.readTree(get(server.adminPort(), "/admin/state").body());
        assertThat(state.get("store").asText()).isEqualTo("memory");
        assertThat(state.get("up").asBoolean()).isTrue();
        assertThat(JSON.readTree(get(server.adminPort(), "/admin/budgets").body()).has("budgets")).isTrue();
    }

    @Test
    void withTheOverloadEdgeOnTheEventLoopsDelayIsAMetric() throws Exception {
        GatewaySpec spec = spec("resilience: { overload: { limit: adaptive } }\n");
        try (Gateway g = Gateway.create(spec, GatewayOptions.defaults()
                .withMeters(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
                SwitchboardServer s = SwitchboardServer.start(spec.server(), g)) {
            HttpResponse<String> before = get(s.adminPort(), "/metrics");
            assertThat(before.body()).contains("switchboard_event_loop_delay_seconds_count 0");
            assertThat(chat(s, false).get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            // A request starts the 1 ms probes of its loop; each is counted, in buckets from 250 us to 1 s.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String metrics = before.body();
            while (metrics.contains("switchboard_event_loop_delay_seconds_count 0") && System.nanoTime() < deadline) {
                metrics = get(s.adminPort(), "/metrics").body();
            }
            assertThat(metrics).doesNotContain("switchboard_event_loop_delay_seconds_count 0")
                    .contains("switchboard_event_loop_delay_seconds_bucket{le=\"0.001\"}",
                            "switchboard_event_loop_delay_seconds_bucket{le=\"1.0\"}");
        }
    }

    @Test
    void drainingLetsStreamsFinishAndRefusesNewConnections() throws Exception {
        model.options(model.options().toBuilder().tokensPerSecond(10).responseTokens(10).build());
        CompletableFuture<HttpResponse<String>> stream = chat(true);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (model.openStreams() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        int cut = server.drain(Duration.ofSeconds(10));
        assertThat(cut).isZero();
        assertThat(stream.get(5, TimeUnit.SECONDS).body()).endsWith("data: [DONE]\n\n");
        // A kept-alive connection gets a 503 and is closed; a new one is refused.
        assertThat(chat(false).get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
        HttpClient fresh = HttpClient.newHttpClient();
        assertThat(fresh.sendAsync(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/models")).build(),
                HttpResponse.BodyHandlers.ofString())).failsWithin(Duration.ofSeconds(5));
    }

    @Test
    void readinessSaysStartingThenReadyThenDrainingWhileStillServing() throws Exception {
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open }, drain-delay: 2s,
                          shutdown-grace: 10s }
                backends:
                  - { name: hosted, base-url: "%s", model: m, residency: internal }
                routes:
                  - { name: chat, rules: [ { use: [hosted] } ] }
                """.formatted(model.baseUrl()), "t");
        try (Gateway g = Gateway.create(spec, GatewayOptions.defaults());
                SwitchboardServer s = SwitchboardServer.start(spec.server(), g)) {
            HttpResponse<String> starting = get(s.port(), "/readyz");
            assertThat(starting.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(starting.body()).get("status").asText()).isEqualTo("starting");
            assertThat(get(s.port(), "/healthz").statusCode()).isEqualTo(200); // alive all along
            s.ready();
            HttpResponse<String> ready = get(s.port(), "/readyz");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(ready.body()).get("status").asText()).isEqualTo("ready");

            CompletableFuture<Integer> drained = CompletableFuture.supplyAsync(() -> s.drain(Duration.ofSeconds(10)));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (s.readiness().state() == Readiness.State.READY && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            // Within the drain delay: /readyz tells the load balancer to stop sending, and what still comes is served.
            HttpResponse<String> draining = get(s.port(), "/readyz");
            assertThat(draining.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(draining.body()).get("status").asText()).isEqualTo("draining");
            HttpResponse<String> served = http.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(served.statusCode()).isEqualTo(200);
            assertThat(drained.get(15, TimeUnit.SECONDS)).isZero();
            assertThat(s.readiness().state()).isEqualTo(Readiness.State.CLOSED);
        }
    }
}
