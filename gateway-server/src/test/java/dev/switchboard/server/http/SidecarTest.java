package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.models.Model;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.testkit.LeakRecordingDetector;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sidecar end to end: real ports, the official OpenAI Java SDK as the client, simulated models behind. */
class SidecarTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MockModelServer hosted;
    private MockModelServer inhouse;
    private Gateway gateway;
    private SwitchboardServer server;
    private OpenAIClient sdk;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        hosted = MockModelServer.start(MockModelOptions.builder().model("big-model-v3").responseTokens(6).build());
        inhouse = MockModelServer.start(MockModelOptions.builder().model("qwen-14b").responseTokens(5).build());
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                server:
                  listen: 127.0.0.1:0
                  admin: 127.0.0.1:0
                  max-body-size: 64KiB
                  auth: { mode: open }
                backends:
                  - { name: hosted-100b, base-url: "%s", api-key: sk-upstream-secret, model: big-model-v3, residency: external }
                  - { name: inhouse-10b, base-url: "%s", model: qwen-14b, residency: internal }
                routes:
                  - name: chat
                    rules:
                      - when: { header: { x-scenario: aml-report } }
                        use: [hosted-100b]
                      - use: [inhouse-10b, hosted-100b]
                  - name: embed
                    rules:
                      - use: [inhouse-10b]
                """.formatted(hosted.baseUrl(), inhouse.baseUrl()), "test.yaml");
        TestSidecar sidecar = TestSidecar.start(spec);
        gateway = sidecar.gateway();
        server = sidecar.server();
        sdk = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl()).apiKey("client-key").maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    @AfterEach
    void stop() {
        sdk.close();
        server.close();
        gateway.close();
        hosted.close();
        inhouse.close();
    }

    @AfterAll
    static void noLeaks() {
        LeakRecordingDetector.assertNoLeaks();
    }

    private static ChatCompletionCreateParams.Builder params() {
        return ChatCompletionCreateParams.builder().model("chat").addUserMessage("How is account 42 doing?");
    }

    @Test
    void sdkNonStreaming() {
        ChatCompletion completion = sdk.chat().completions().create(params().build());
        assertThat(completion.model()).isEqualTo("qwen-14b");
        assertThat(completion.choices().get(0).message().content()).hasValueSatisfying(c -> assertThat(c).isNotBlank());
        assertThat(completion.usage()).hasValueSatisfying(u -> assertThat(u.completionTokens()).isEqualTo(5));
        assertThat(inhouse.requests("/v1/chat/completions")).hasSize(1);
        // The client's key is not the upstream's: it never reaches the backend.
        assertThat(inhouse.requests().get(0).header("authorization")).isNull();
    }

    @Test
    void sdkStreaming() {
        StringBuilder text = new StringBuilder();
        int chunks = 0;
        try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(params().build())) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
                chunks++;
                chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
                assertThat(chunk.usage()).isEmpty();
            }
        }
        assertThat(chunks).isEqualTo(6); // five tokens and the finish chunk
        assertThat(text.toString()).isEqualTo("The account shows a steady");
    }

    @Test
    void sdkStreamingWithUsage() {
        ChatCompletionCreateParams p = params().streamOptions(ChatCompletionStreamOptions.builder()
                .includeUsage(true).build()).putAdditionalHeader("x-scenario", "aml-report").build();
        long completionTokens = -1;
        try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(p)) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
                if (chunk.usage().isPresent()) {
                    completionTokens = chunk.usage().get().completionTokens();
                }
            }
        }
        assertThat(completionTokens).isEqualTo(6);
        assertThat(hosted.requests()).hasSize(1);
        assertThat(hosted.requests().get(0).header("authorization")).isEqualTo("Bearer sk-upstream-secret");
    }

    @Test
    void sdkListsRouteAliasesAsModels() {
        List<String> ids = sdk.models().list().data().stream().map(Model::id).collect(Collectors.toList());
        assertThat(ids).containsExactly("chat", "embed");
    }

    @Test
    void responseHeadersNameRouteBackendAndRequestId() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions",
                "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "x-scenario", "aml-report");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-switchboard-route")).hasValue("chat");
        assertThat(r.headers().firstValue("x-switchboard-backend")).hasValue("hosted-100b");
        assertThat(r.headers().firstValue("x-switchboard-rule")).hasValue("0");
        assertThat(r.headers().firstValue("x-switchboard-request-id")).hasValueSatisfying(
                id -> assertThat(id).startsWith("req_"));
        assertThat(r.headers().firstValue("x-switchboard-decision")).hasValue(
                "rule 0 (header x-scenario in [aml-report]): hosted-100b, priority 1 of 1");
    }

    @Test
    void adminPortShowsBackendsBudgetsAndExplains() throws Exception {
        post("/v1/chat/completions", "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        String admin = "http://127.0.0.1:" + server.adminPort();
        HttpResponse<String> backends = http.send(HttpRequest.newBuilder(URI.create(admin + "/admin/backends")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode list = JSON.readTree(backends.body()).get("backends");
        assertThat(list).hasSize(2);
        assertThat(list.get(1).get("name").asText()).isEqualTo("inhouse-10b");
        assertThat(list.get(1).get("calls_in_window").asInt()).isEqualTo(1);
        assertThat(list.get(1).at("/circuit_breaker/state").asText()).isEqualTo("closed");
        assertThat(backends.body()).doesNotContain("sk-upstream-secret");
        HttpResponse<String> budgets = http.send(HttpRequest.newBuilder(URI.create(admin + "/admin/budgets")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(budgets.body()).get("budgets")).isEmpty();
        HttpResponse<String> explain = http.send(HttpRequest.newBuilder(URI.create(admin + "/admin/explain"))
                .header("x-scenario", "aml-report")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode trace = JSON.readTree(explain.body());
        assertThat(trace.get("route").asText()).isEqualTo("chat");
        assertThat(trace.get("rule").asInt()).isZero();
        assertThat(trace.at("/rules/0/matched").asBoolean()).isTrue();
        assertThat(trace.at("/candidates/0/backend").asText()).isEqualTo("hosted-100b");
        assertThat(hosted.requests()).isEmpty(); // explaining calls nothing
        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(admin + "/admin/nothing")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
    }

    @Test
    void passThroughKeepsEveryFieldAndRewritesOnlyTheModel() throws Exception {
        String body = """
                {"model":"chat","temperature":0.2,"top_p":0.9,"seed":7,"n":1,"user":"u-1",
                 "messages":[{"role":"system","content":"Be brief."},
                   {"role":"user","content":[{"type":"text","text":"Weather?"}]}],
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"d",
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
                 "tool_choice":"auto","parallel_tool_calls":false,
                 "response_format":{"type":"json_schema","json_schema":{"name":"w","strict":true,
                   "schema":{"type":"object","properties":{"t":{"type":"number"}}}}},
                 "logit_bias":{"50256":-100},"metadata":{"team":"retail"},
                 "x_vendor_extension":{"enable_thinking":false,"nested":[1,2.50,null,"\\u00e9"]}}
                """;
        HttpResponse<String> r = post("/v1/chat/completions", body);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode received = inhouse.requests().get(0).json();
        ObjectNode expected = (ObjectNode) JSON.readTree(body);
        expected.put("model", "qwen-14b");
        assertThat(received).isEqualTo(expected);
        assertThat(inhouse.requests().get(0).body()).contains("2.50");
    }

    @Test
    void malformedJsonIs400WithTheRequestId() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\": \"chat\", messages: oops}");
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").asText()).contains("not valid JSON");
        assertThat(error.get("request_id").asText()).isEqualTo(r.headers().firstValue("x-switchboard-request-id")
                .orElseThrow());
        assertThat(inhouse.requests()).isEmpty();
    }

    @Test
    void sdkSeesUnknownModelAs404() {
        assertThatThrownBy(() -> sdk.chat().completions().create(params().model("gpt-9").build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.getMessage()).contains("gpt-9"));
    }

    @Test
    void sdkSeesAnInvalidFieldAs400() {
        assertThatThrownBy(() -> sdk.chat().completions().create(params().maxTokens(-5).build()))
                .isInstanceOf(BadRequestException.class);
    }

    @Test
    void upstreamFailureIs502() throws Exception {
        inhouse.options(inhouse.options().toBuilder().forcedStatus(500).build());
        hosted.options(hosted.options().toBuilder().forcedStatus(503).build());
        HttpResponse<String> r = post("/v1/chat/completions",
                "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(502);
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("upstream_error");
        assertThat(r.body()).doesNotContain("sk-upstream-secret");
        assertThatThrownBy(() -> sdk.chat().completions().create(params().build()))
                .isInstanceOfSatisfying(OpenAIServiceException.class, e -> assertThat(e.statusCode()).isEqualTo(502));
    }

    @Test
    void allBackendsDownIsAFast503WithRetryAfter() throws Exception {
        hosted.close();
        inhouse.close();
        long start = System.nanoTime();
        HttpResponse<String> r = post("/v1/chat/completions",
                "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("retry-after")).hasValue("1");
        assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("no_backend_available");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void oversizeBodyIs413() throws Exception {
        String big = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(70_000) + "\"}]}";
        // A fresh client: a pooled keep-alive connection that the server closed meanwhile would fail the POST on
        // the client's side (it does not resend a POST), which is not what this test is about.
        HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(base() + "/v1/chat/completions")).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(big)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("payload_too_large");
    }

    @Test
    void anOversizeBodyIsAnsweredThenDrainedBeforeTheConnectionCloses() throws Exception {
        // Closing while the rest of the body is unread makes the kernel send a reset, which can wipe the 413 out of
        // the client's buffer before it is read. The server must keep reading until the body ends.
        int length = 100_000;
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: "
                    + "application/json\r\ncontent-length: " + length + "\r\n\r\n" + "x".repeat(1_000))
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String head = readUntil(in, "\r\n\r\n");
            assertThat(head).startsWith("HTTP/1.1 413").containsIgnoringCase("connection: close");
            int bodyLength = Integer.parseInt(head.replaceAll("(?is).*content-length: *(\\d+).*", "$1"));
            assertThat(in.readNBytes(bodyLength)).hasSize(bodyLength);
            // The body is not finished: the connection stays open (nothing more, not even its end, arrives) ...
            socket.setSoTimeout(300);
            assertThatThrownBy(in::read).isInstanceOf(java.net.SocketTimeoutException.class);
            // ... and closes cleanly once it is.
            socket.getOutputStream().write("x".repeat(length - 1_000).getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(5_000);
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    private static String readUntil(InputStream in, String end) throws java.io.IOException {
        StringBuilder seen = new StringBuilder();
        while (seen.indexOf(end) < 0) {
            int b = in.read();
            assertThat(b).as("connection ended after %s", seen).isNotNegative();
            seen.append((char) b);
        }
        return seen.toString();
    }

    @Test
    void unknownPathAndWrongMethod() throws Exception {
        HttpResponse<String> notFound = post("/v1/completions-typo", "{}");
        assertThat(notFound.statusCode()).isEqualTo(404);
        HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(base() + "/v1/chat/completions"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(405);
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base() + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
    }

    @Test
    void embeddings() throws Exception {
        HttpResponse<String> r = post("/v1/embeddings", "{\"model\":\"embed\",\"input\":\"hello\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).at("/data/0/embedding")).hasSize(8);
        assertThat(r.headers().firstValue("x-switchboard-backend")).hasValue("inhouse-10b");
    }

    @Test
    void aStreamCutUpstreamEndsWithAnErrorEventAndNoDone() throws Exception {
        inhouse.options(inhouse.options().toBuilder().dropAfterChunks(2).build());
        HttpResponse<String> r = post("/v1/chat/completions",
                "{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("event: error\ndata: {\"error\"").doesNotContain("[DONE]");
        assertThat(r.body().split("\n\n")).hasSize(3); // two chunks, then the error event
    }

    @Test
    void aClientThatLeavesMidStreamCancelsTheUpstream() throws Exception {
        inhouse.options(inhouse.options().toBuilder().tokensPerSecond(10).responseTokens(200).build());
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            String body = "{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: "
                    + "application/json\r\ncontent-length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[4096];
            String seen = "";
            while (!seen.contains("data: ")) {
                int n = in.read(buf);
                assertThat(n).isPositive();
                seen += new String(buf, 0, n, StandardCharsets.US_ASCII);
            }
            assertThat(inhouse.openStreams()).isEqualTo(1);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (inhouse.openStreams() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(inhouse.openStreams()).isZero();
    }

    private String base() {
        return "http://127.0.0.1:" + server.port();
    }

    private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
