package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Client keys: stored as hashes, mapped to tenants, refused with an OpenAI-shaped 401. */
class AuthSidecarTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private MockModelServer risk;
    private MockModelServer other;
    private Gateway gateway;
    private SwitchboardServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        risk = MockModelServer.start(MockModelOptions.builder().model("risk-model").build());
        other = MockModelServer.start(MockModelOptions.builder().model("other-model").build());
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                server:
                  listen: 127.0.0.1:0
                  admin: 127.0.0.1:0
                  auth:
                    keys:
                      - { tenant: risk-team, sha256: %s }
                      - { tenant: retail-app, sha256: %s }
                backends:
                  - { name: risk, base-url: "%s", model: risk-model, residency: internal }
                  - { name: other, base-url: "%s", model: other-model, residency: internal }
                routes:
                  - name: chat
                    rules:
                      - { when: { tenant: risk-team }, use: [risk] }
                      - { use: [other] }
                """.formatted(ClientAuth.hash("sb-risk-key"), ClientAuth.hash("sb-retail-key"), risk.baseUrl(),
                other.baseUrl()), "t");
        TestSidecar sidecar = TestSidecar.start(spec);
        gateway = sidecar.gateway();
        server = sidecar.server();
    }

    @AfterEach
    void stop() {
        server.close();
        gateway.close();
        risk.close();
        other.close();
    }

    private HttpResponse<String> post(String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aKeyNamesTheTenant() throws Exception {
        assertThat(post("authorization", "Bearer sb-risk-key").headers().firstValue("x-switchboard-backend"))
                .hasValue("risk");
        assertThat(post("x-api-key", "sb-retail-key").headers().firstValue("x-switchboard-backend"))
                .hasValue("other");
        // With keys, the tenant header is not believed.
        assertThat(post("x-api-key", "sb-retail-key", "x-switchboard-tenant", "risk-team").headers()
                .firstValue("x-switchboard-backend")).hasValue("other");
        // The client's key never goes upstream.
        assertThat(risk.requests().get(0).header("authorization")).isNull();
    }

    @Test
    void missingOrWrongKeysAre401() throws Exception {
        for (HttpResponse<String> r : new HttpResponse[] {post(), post("authorization", "Bearer nope"),
                post("x-api-key", "sb-risk-key-but-longer")}) {
            assertThat(r.statusCode()).isEqualTo(401);
            JsonNode error = JSON.readTree(r.body()).get("error");
            assertThat(error.get("code").asText()).isEqualTo("invalid_api_key");
            assertThat(error.get("request_id").asText()).startsWith("req_");
        }
        assertThat(risk.requests()).isEmpty();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
    }

    @Test
    void aKeyMayExpireAndBeLimitedToRoutes() throws Exception {
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                server:
                  listen: 127.0.0.1:0
                  admin: 127.0.0.1:0
                  auth:
                    keys:
                      - { tenant: old-app, sha256: %s, expires: 2020-01-31 }
                      - { tenant: chat-only, sha256: %s, routes: [chat], expires: "2999-01-01T00:00:00Z" }
                backends:
                  - { name: other, base-url: "%s", model: other-model, residency: internal }
                routes:
                  - { name: chat, aliases: [assistant], rules: [ { use: [other] } ] }
                  - { name: reports, rules: [ { use: [other] } ] }
                """.formatted(ClientAuth.hash("sb-old"), ClientAuth.hash("sb-chat"), other.baseUrl()), "keys.yaml");
        TestSidecar limited = TestSidecar.start(spec);
        try {
            java.util.function.BiFunction<String, String, HttpResponse<String>> call = (key, model) -> {
                try {
                    return http.send(HttpRequest.newBuilder(URI.create(limited.server().baseUrl() + "/chat/completions"))
                            .header("authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\","
                                            + "\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            HttpResponse<String> expired = call.apply("sb-old", "chat");
            assertThat(expired.statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(expired.body()).at("/error/message").asText())
                    .contains("expired at 2020-02-01T00:00:00Z");
            assertThat(call.apply("sb-chat", "chat").statusCode()).isEqualTo(200);
            assertThat(call.apply("sb-chat", "assistant").statusCode()).isEqualTo(200); // an alias of chat
            HttpResponse<String> forbidden = call.apply("sb-chat", "reports");
            assertThat(forbidden.statusCode()).isEqualTo(403);
            JsonNode error = JSON.readTree(forbidden.body()).get("error");
            assertThat(error.get("code").asText()).isEqualTo("forbidden");
            assertThat(error.get("message").asText()).contains("route reports").contains("it may use: chat");
            assertThat(other.requests()).hasSize(2); // refused calls never reached the model
        } finally {
            limited.server().close();
            limited.gateway().close();
        }
        // A limit that names no route, and an expiry that is not a time, are config errors at their field.
        dev.switchboard.core.config.ConfigException bad = org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> ConfigLoader.withEnv(k -> null).parse("""
                        server:
                          auth:
                            keys:
                              - { tenant: a, sha256: %s, routes: [chat, nope], expires: next-year }
                        backends: [ { name: other, base-url: "http://127.0.0.1:1/v1", model: m, residency: internal } ]
                        routes: [ { name: chat, rules: [ { use: [other] } ] } ]
                        """.formatted(ClientAuth.hash("k")), "bad.yaml"),
                dev.switchboard.core.config.ConfigException.class);
        assertThat(bad.errors()).extracting(Object::toString).anySatisfy(e -> assertThat(e)
                .contains("server.auth.keys[0].routes").contains("'nope' is not a route"))
                .anySatisfy(e -> assertThat(e).contains("server.auth.keys[0].expires").contains("'next-year'"));
    }

    @Test
    void aKeyMayCarryItsOwnTokenQuota() throws Exception {
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                server:
                  listen: 127.0.0.1:0
                  admin: 127.0.0.1:0
                  auth:
                    keys:
                      - { tenant: retail-app, sha256: %s, name: pilot, quota: { tokens-per-minute: 300 } }
                      - { tenant: retail-app, sha256: %s }
                backends:
                  - { name: other, base-url: "%s", model: other-model, residency: internal }
                routes:
                  - { name: chat, rules: [ { use: [other] } ] }
                """.formatted(ClientAuth.hash("sb-pilot"), ClientAuth.hash("sb-main"), other.baseUrl()), "keys.yaml");
        assertThat(spec.quotas()).singleElement().satisfies(q -> assertThat(q.name()).isEqualTo("pilot"));
        TestSidecar sidecar = TestSidecar.start(spec);
        try {
            java.util.function.Function<String, HttpResponse<String>> call = key -> {
                try {
                    return http.send(HttpRequest.newBuilder(URI.create(sidecar.server().baseUrl() + "/chat/completions"))
                            .header("authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"model\":\"chat\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\","
                                            + "\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            HttpResponse<String> refused = null;
            for (int i = 0; i < 50 && refused == null; i++) {
                HttpResponse<String> r = call.apply("sb-pilot");
                if (r.statusCode() != 200) {
                    refused = r;
                }
            }
            assertThat(refused).isNotNull();
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("retry-after")).isPresent();
            assertThat(JSON.readTree(refused.body()).at("/error/message").asText())
                    .contains("client key 'pilot' is over its quota of 300 tokens per minute");
            // The tenant's other key has no quota of its own.
            assertThat(call.apply("sb-main").statusCode()).isEqualTo(200);
        } finally {
            sidecar.server().close();
            sidecar.gateway().close();
        }
    }
}
