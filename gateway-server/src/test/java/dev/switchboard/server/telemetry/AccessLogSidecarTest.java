package dev.switchboard.server.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.server.http.SwitchboardServer;
import dev.switchboard.server.upstream.NettyUpstream;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log as {@code serve} wires it: one JSON line per request — the gateway's (answered, streamed, from the
 * cache, rate-limited) with route, rule, backend, cache, compliance, tokens, cost and first-token time, and the ones
 * the sidecar refused itself (bad key, unreadable body, unknown path, body too large) with method, path and status.
 * Never prompt text, never a key.
 */
class AccessLogSidecarTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET_PROMPT = "my card is 6222 0212 3456 7894, what is my balance";
    private static final String CLEAN_PROMPT = "What is a SWIFT code";
    private final HttpClient http = HttpClient.newHttpClient();
    private MockModelServer hosted;
    private MockModelServer inhouse;
    private Gateway gateway;
    private SwitchboardServer server;
    private AccessLog accessLog;
    private Path file;

    @BeforeEach
    void start(@TempDir Path dir) {
        hosted = MockModelServer.start(MockModelOptions.builder().model("big").build());
        inhouse = MockModelServer.start(MockModelOptions.builder().model("small").build());
        file = dir.resolve("logs/access.jsonl");
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                server:
                  listen: 127.0.0.1:0
                  admin: 127.0.0.1:0
                  max-body-size: 4KiB
                  auth:
                    keys:
                      - { tenant: retail-app, sha256: %s }
                      - { tenant: noisy, sha256: %s }
                backends:
                  - { name: hosted-100b, base-url: "%s", model: big, residency: external,
                      price: { input-per-mtok: 20, output-per-mtok: 60, currency: CNY } }
                  - { name: inhouse-10b, base-url: "%s", model: small, residency: internal }
                routes:
                  - { name: chat, rules: [ { use: [hosted-100b, inhouse-10b] } ] }
                cache: { enabled: true }
                rate-limits: [ { tenant: noisy, requests-per-second: 1, burst: 1 } ]
                telemetry: { access-log: { path: "%s" } }
                """.formatted(sha256("sb-retail"),
                sha256("sb-noisy"), hosted.baseUrl(), inhouse.baseUrl(),
                file), "access.yaml");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        accessLog = AccessLog.open(spec.telemetry().accessLog(), Clock.systemUTC(), meters);
        EventLoopGroup workers = SwitchboardServer.newWorkers();
        gateway = Gateway.create(spec, GatewayOptions.defaults().withMeters(meters)
                .withBackends(new NettyUpstream(workers)).withCallListener(accessLog::call));
        server = SwitchboardServer.start(spec.server(), () -> gateway, workers,
                io.opentelemetry.api.OpenTelemetry.noop(), accessLog);
    }

    @AfterEach
    void stop() {
        server.close();
        gateway.close();
        accessLog.close();
        hosted.close();
        inhouse.close();
    }

    private static String sha256(String key) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private HttpResponse<String> post(String path, String key, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("authorization", "Bearer " + key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String chat(String prompt, boolean stream) {
        return "{\"model\":\"chat\",\"temperature\":0,\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"" + prompt + "\"}]}";
    }

    @Test
    void oneLinePerRequestWithWhatHappenedAndNeverThePrompt() throws Exception {
        assertThat(post("/v1/chat/completions", "sb-retail", chat(CLEAN_PROMPT, false)).statusCode()).isEqualTo(200);
        assertThat(post("/v1/chat/completions", "sb-retail", chat(CLEAN_PROMPT, false)).statusCode()).isEqualTo(200);
        HttpResponse<String> stream = post("/v1/chat/completions", "sb-retail", chat(SECRET_PROMPT, true));
        assertThat(stream.body()).contains("[DONE]");
        assertThat(post("/v1/chat/completions", "sb-noisy", chat("first", false)).statusCode()).isEqualTo(200);
        assertThat(post("/v1/chat/completions", "sb-noisy", chat("second", false)).statusCode()).isEqualTo(429);
        assertThat(post("/v1/chat/completions", "sb-wrong", chat(SECRET_PROMPT, false)).statusCode())
                .isEqualTo(401);
        assertThat(post("/v1/chat/completions", "sb-retail", "{\"model\":\"chat\",\"messages\":").statusCode())
                .isEqualTo(400);
        assertThat(post("/v1/nowhere", "sb-retail", "{}").statusCode()).isEqualTo(404);
        assertThat(tooLarge()).startsWith("HTTP/1.1 413");

        List<JsonNode> lines = lines(9);
        JsonNode answered = lines.get(0);
        assertThat(answered.get("tenant").asText()).isEqualTo("retail-app");
        assertThat(answered.get("route").asText()).isEqualTo("chat");
        assertThat(answered.get("rule").asInt()).isZero();
        assertThat(answered.get("backend").asText()).isEqualTo("hosted-100b");
        assertThat(answered.get("cache").asText()).isEqualTo("miss");
        assertThat(answered.get("compliance").asText()).isEqualTo("none");
        assertThat(answered.get("status").asInt()).isEqualTo(200);
        assertThat(answered.get("prompt_tokens").asInt()).isPositive();
        assertThat(answered.get("completion_tokens").asInt()).isPositive();
        assertThat(answered.get("cost").asDouble()).isPositive();
        assertThat(answered.get("currency").asText()).isEqualTo("CNY");
        assertThat(answered.get("request_id").asText()).startsWith("req_");
        assertThat(answered.has("ms")).isTrue();
        assertThat(lines.get(1).get("cache").asText()).isEqualTo("hit");

        JsonNode streamed = lines.get(2);
        assertThat(streamed.get("stream").asBoolean()).isTrue();
        assertThat(streamed.get("backend").asText()).isEqualTo("inhouse-10b"); // a card number stays inside
        assertThat(streamed.get("compliance").asText()).isEqualTo("route-internal");
        assertThat(streamed.get("first_token_ms").asLong()).isBetween(0L, streamed.get("ms").asLong());

        assertThat(lines.get(4).get("status").asInt()).isEqualTo(429);
        assertThat(lines.get(4).get("error").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(lines.get(4).get("tenant").asText()).isEqualTo("noisy");

        JsonNode unauthorized = lines.get(5);
        assertThat(unauthorized.get("status").asInt()).isEqualTo(401);
        assertThat(unauthorized.get("method").asText()).isEqualTo("POST");
        assertThat(unauthorized.get("path").asText()).isEqualTo("/v1/chat/completions");
        assertThat(unauthorized.has("tenant")).isFalse();
        assertThat(lines.get(6).get("status").asInt()).isEqualTo(400);
        assertThat(lines.get(6).get("tenant").asText()).isEqualTo("retail-app");
        assertThat(lines.get(7).get("status").asInt()).isEqualTo(404);
        assertThat(lines.get(7).get("path").asText()).isEqualTo("/v1/nowhere");
        assertThat(lines.get(8).get("status").asInt()).isEqualTo(413);
        assertThat(lines.get(8).get("error").asText()).isEqualTo("payload_too_large");

        String all = Files.readString(file);
        assertThat(all).doesNotContain("6222").doesNotContain("balance").doesNotContain("SWIFT")
                .doesNotContain("sb-retail").doesNotContain("sb-wrong");
    }

    /** A body over {@code max-body-size}, on a raw socket: the status line of the answer. */
    private String tooLarge() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            byte[] body = new byte[8192];
            java.util.Arrays.fill(body, (byte) 'x');
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer sb-retail\r\n"
                    + "content-type: application/json\r\ncontent-length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] head = new byte[12];
            int n = 0;
            while (n < head.length) {
                int r = in.read(head, n, head.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
            return new String(head, 0, n, StandardCharsets.US_ASCII);
        }
    }

    @Test
    void customerDataAClientPutsInItsRequestIdOrModelNameIsNeverWritten() throws Exception {
        // A request id, then a model name, holding a card number: the id is replaced, the model name quoted back and
        // logged as its kind.
        HttpResponse<String> named = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + "/v1/chat/completions")).header("content-type", "application/json")
                .header("authorization", "Bearer sb-retail").header("x-switchboard-request-id", "case-6222021234567894")
                .POST(HttpRequest.BodyPublishers.ofString(chat(CLEAN_PROMPT, false).replace("\"model\":\"chat\"",
                        "\"model\":\"card 6222 0212 3456 7894\""))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(named.statusCode()).isEqualTo(404);
        assertThat(named.body()).contains("[bank-card]").doesNotContain("7894");
        assertThat(named.headers().firstValue("x-switchboard-request-id").orElseThrow()).doesNotContain("6222021234567894");
        // A plain id is kept, as before.
        HttpResponse<String> plain = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + "/v1/chat/completions")).header("content-type", "application/json")
                .header("authorization", "Bearer sb-retail").header("x-switchboard-request-id", "case-42")
                .POST(HttpRequest.BodyPublishers.ofString(chat(CLEAN_PROMPT, false))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(plain.headers().firstValue("x-switchboard-request-id")).contains("case-42");
        List<JsonNode> lines = lines(2);
        assertThat(lines.toString()).doesNotContain("6222021234567894").doesNotContain("7894");
        assertThat(lines.get(0).get("model").asText()).isEqualTo("card [bank-card]");
        assertThat(lines.get(1).get("request_id").asText()).isEqualTo("case-42");
    }

    /** The log's lines once {@code count} are written (each request's is written as it ends, off the loop). */
    private List<JsonNode> lines(int count) throws Exception {
        long end = System.nanoTime() + 10_000_000_000L;
        while (true) {
            List<JsonNode> lines = new ArrayList<>();
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file)) {
                    lines.add(JSON.readTree(line));
                }
            }
            if (lines.size() >= count || System.nanoTime() > end) {
                assertThat(lines).hasSize(count);
                return lines;
            }
            Thread.sleep(20);
        }
    }
}
