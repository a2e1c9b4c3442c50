package dev.switchboard.server.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.server.http.SwitchboardServer;
import dev.switchboard.testkit.LeakRecordingDetector;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import dev.switchboard.testkit.RecordedRequest;
import io.netty.channel.EventLoopGroup;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sidecar's Netty transport for non-streamed calls, against the testkit's model server on real ports: pooled
 * keep-alive connections, the same classification of failures as the OkHttp backend (so failover, retries and
 * errors behave alike), and no leaked buffers.
 */
class NettyUpstreamTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private MockModelServer inhouse;
    private MockModelServer slow;
    private EventLoopGroup workers;
    private NettyUpstream upstream;
    private Gateway gateway;
    private SwitchboardServer server;
    private int closedPort;

    @BeforeEach
    void start() throws Exception {
        inhouse = MockModelServer.start(MockModelOptions.builder().model("small").responseTokens(8).build());
        slow = MockModelServer.start(MockModelOptions.builder().model("slow").firstTokenDelay(Duration.ofSeconds(2))
                .build());
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort(); // nothing listens here once the socket is closed
        }
        GatewaySpec spec = ConfigLoader.withEnv(n -> null).parse("""
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                backends:
                  - { name: inhouse, base-url: %s, model: small, residency: internal, api-key: sk-upstream-key }
                  - { name: gone, base-url: "http://127.0.0.1:%d/v1", model: x, residency: internal,
                      limits: { connect-timeout: 1s } }
                  - { name: slow, base-url: %s, model: slow, residency: internal,
                      limits: { total-timeout: 300ms } }
                routes:
                  - { name: chat, rules: [ { use: [inhouse] } ] }
                  - { name: failover, rules: [ { use: [gone, inhouse], strategy: priority } ] }
                  - { name: slow, rules: [ { use: [slow] } ] }
                resilience: { retry: { attempts: 1 } }
                """.formatted(inhouse.baseUrl(), closedPort, slow.baseUrl()), "test");
        workers = SwitchboardServer.newWorkers();
        upstream = new NettyUpstream(workers);
        gateway = Gateway.create(spec, GatewayOptions.defaults().withBackends(upstream));
        Gateway served = gateway;
        server = SwitchboardServer.start(spec.server(), () -> served, workers);
    }

    @AfterEach
    void stop() {
        server.close();
        gateway.close();
        inhouse.close();
        slow.close();
        LeakRecordingDetector.assertNoLeaks();
    }

    private HttpResponse<String> chat(String model) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"temperature\":0.50,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void callsGoOutOnPooledKeepAliveConnections() throws Exception {
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = chat("chat");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).at("/choices/0/message/content").asText()).isNotEmpty();
        }
        // One connection per event loop at most, kept for the next call.
        assertThat(upstream.idleConnections("inhouse")).isBetween(1, 2);
        RecordedRequest sent = inhouse.requests().get(0);
        assertThat(sent.path()).isEqualTo("/v1/chat/completions");
        assertThat(sent.headers()).containsEntry("authorization", "Bearer sk-upstream-key")
                .containsEntry("content-type", "application/json");
        // The client's bytes, with only the model replaced.
        assertThat(sent.body()).isEqualTo("{\"model\":\"small\",\"temperature\":0.50,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
    }

    @Test
    void anUnreachableBackendIsAConnectFailureAndTheNextCandidateAnswers() throws Exception {
        HttpResponse<String> r = chat("failover");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-switchboard-backend")).hasValue("inhouse");
        assertThat(r.headers().firstValue("x-switchboard-attempts")).hasValue("2");
        // Classified as the OkHttp backend does: a connect failure, counted against the backend.
        assertThat(gateway.meters().get("switchboard.upstream.failures").tag("backend", "gone")
                .tag("kind", "connect").counter().count()).isEqualTo(1);
    }

    @Test
    void aSlowBackendFailsAtItsTotalTimeout() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = chat("slow");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(r.statusCode()).isIn(502, 504);
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertThat(error.get("message").asText()).contains("did not answer within its total time of 300 ms");
    }

    @Test
    void anUpstreamRefusalIsPassedOnWithItsMessage() throws Exception {
        inhouse.options(inhouse.options().toBuilder().forcedStatus(400).build());
        HttpResponse<String> r = chat("chat");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/message").asText())
                .contains("backend 'inhouse' rejected the request (HTTP 400)", "simulated failure 400");
    }
}
