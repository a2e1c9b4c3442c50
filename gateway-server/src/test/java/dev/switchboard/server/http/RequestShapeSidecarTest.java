package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.testkit.LeakRecordingDetector;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The strict request shape over real HTTP: a wrong type is a 400 naming the field, and the backend sees nothing. */
class RequestShapeSidecarTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static MockModelServer model;
    private static Gateway gateway;
    private static SwitchboardServer server;

    @BeforeAll
    static void start() {
        model = MockModelServer.start(MockModelOptions.builder().model("m").build());
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                backends:
                  - { name: b, base-url: "%s", model: m, residency: internal }
                routes:
                  - { name: chat, rules: [ { use: [b] } ] }
                """.formatted(model.baseUrl()), "t");
        TestSidecar sidecar = TestSidecar.start(spec);
        gateway = sidecar.gateway();
        server = sidecar.server();
    }

    @AfterAll
    static void stop() {
        server.close();
        gateway.close();
        model.close();
        LeakRecordingDetector.assertNoLeaks();
    }

    static Stream<Arguments> wrongBodies() {
        String user = "{\"role\":\"user\",\"content\":\"hi\"}";
        return Stream.of(
                Arguments.of("/v1/chat/completions", "{\"model\":\"chat\",\"messages\":[" + user
                        + ",{\"role\":\"user\",\"content\":6222021234567894}]}", "messages[1].content"),
                Arguments.of("/v1/chat/completions", "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":{\"text\":\"What is my balance?\"}}]}", "messages[0].content"),
                Arguments.of("/v1/chat/completions", "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"image_url\",\"image_url\":"
                        + "{\"url\":\"https://x/y.png\"}},{\"type\":\"text\",\"text\":42}]}]}",
                        "messages[0].content[2].text"),
                Arguments.of("/v1/chat/completions", "{\"model\":\"chat\",\"messages\":[" + user + "," + user
                        + ",{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"lookup\",\"arguments\":{\"acct\":\"42\"}}}]}]}",
                        "messages[2].tool_calls[0].function.arguments"),
                Arguments.of("/v1/chat/completions", "{\"model\":\"chat\",\"messages\":[{\"role\":\"customer\","
                        + "\"content\":\"hi\"}]}", "messages[0].role"),
                Arguments.of("/v1/chat/completions", "{\"model\":\"chat\",\"messages\":[" + user + "],"
                        + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":\"{}\"}}]}",
                        "tools[0].function.parameters"),
                Arguments.of("/v1/embeddings", "{\"model\":\"chat\",\"input\":[[1,2],[3,\"x\"]]}", "input[1][1]"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("wrongBodies")
    void aWrongTypeIs400NamingTheFieldAndNothingIsCalled(String path, String body, String param) throws Exception {
        int before = model.requests().size();
        HttpResponse<String> r = post(path, body);
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("code").asText()).isEqualTo("invalid_request");
        assertThat(error.get("param").asText()).isEqualTo(param);
        assertThat(error.get("message").asText()).startsWith("'" + param + "' must be");
        assertThat(error.get("request_id").asText()).startsWith("req_")
                .isEqualTo(r.headers().firstValue("x-switchboard-request-id").orElseThrow());
        assertThat(r.headers().firstValue("x-switchboard-route")).isEmpty(); // refused before any routing
        assertThat(model.requests()).hasSize(before);
    }

    @Test
    void unknownVendorFieldsStillReachTheBackendByteForByte() throws Exception {
        int before = model.requests().size();
        String body = "{\"model\":\"chat\",\"x_notes\":\"hello\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\","
                + "\"x_weight\":[1,2.50]}],\"chat_template_kwargs\":{\"enable_thinking\":false},\"top_k\":\"40\"}";
        HttpResponse<String> r = post("/v1/chat/completions", body);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(model.requests()).hasSize(before + 1);
        assertThat(model.requests().get(before).body())
                .isEqualTo(body.replace("\"model\":\"chat\"", "\"model\":\"m\""));
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
