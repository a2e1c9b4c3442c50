package dev.switchboard.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MockModelServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private MockModelServer server;

    @BeforeEach
    void start() {
        server = MockModelServer.start(MockModelOptions.builder().model("m-1").responseTokens(3).build());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersAChatCompletionAndRecordsTheRequest() throws Exception {
        String body = "{\"model\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"12345678\"}]}";
        HttpResponse<String> r = post("/v1/chat/completions", body);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode json = JSON.readTree(r.body());
        assertThat(json.get("object").asText()).isEqualTo("chat.completion");
        assertThat(json.get("model").asText()).isEqualTo("m-1");
        assertThat(json.at("/choices/0/message/content").asText()).isEqualTo("The account shows");
        assertThat(json.at("/usage/prompt_tokens").asInt()).isEqualTo(2);
        assertThat(json.at("/usage/completion_tokens").asInt()).isEqualTo(3);
        assertThat(server.requests()).singleElement().satisfies(rec -> {
            assertThat(rec.body()).isEqualTo(body);
            assertThat(rec.path()).isEqualTo("/v1/chat/completions");
        });
    }

    @Test
    void streamsChunksThenUsageThenDone() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"x\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");
        List<String> events = Arrays.stream(r.body().split("\n\n")).toList();
        assertThat(events).hasSize(6);
        assertThat(events.get(0)).startsWith("data: {").contains("\"role\":\"assistant\"").contains("chat.completion.chunk");
        assertThat(events.get(3)).contains("\"finish_reason\":\"stop\"");
        assertThat(events.get(4)).contains("\"choices\":[]").contains("\"completion_tokens\":3");
        assertThat(events.get(5)).isEqualTo("data: [DONE]");
    }

    @Test
    void maxTokensCapsTheAnswer() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions",
                "{\"model\":\"x\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        JsonNode json = JSON.readTree(r.body());
        assertThat(json.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(json.at("/usage/completion_tokens").asInt()).isEqualTo(1);
    }

    @Test
    void forcedStatusCarriesRetryAfter() throws Exception {
        server.options(server.options().toBuilder().forcedStatus(429).retryAfterSeconds(3).build());
        HttpResponse<String> r = post("/v1/chat/completions", "{\"messages\":[]}");
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("retry-after")).hasValue("3");
        assertThat(JSON.readTree(r.body()).at("/error/type").asText()).isEqualTo("rate_limit_exceeded");
    }

    @Test
    void errorRateIsSeededAndProportional() throws Exception {
        server.options(server.options().toBuilder().errorRate(0.5).seed(3).build());
        int failures = 0;
        for (int i = 0; i < 200; i++) {
            if (post("/v1/chat/completions", "{\"messages\":[]}").statusCode() == 500) {
                failures++;
            }
        }
        assertThat(failures).isBetween(70, 130);
    }

    @Test
    void dropsTheConnectionAfterNChunks() throws Exception {
        server.options(server.options().toBuilder().dropAfterChunks(1).build());
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofString(
                "{\"stream\":true,\"messages\":[]}")).build();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(r.body()).doesNotContain("[DONE]");
        } catch (java.io.IOException expected) {
            // the JDK client may report the cut chunked body as an error instead: either way, no clean end
        }
    }

    @Test
    void pacesTokensAndDelaysTheFirst() throws Exception {
        server.options(server.options().toBuilder().firstTokenDelay(Duration.ofMillis(200)).tokensPerSecond(20).build());
        long start = System.nanoTime();
        post("/v1/chat/completions", "{\"stream\":true,\"messages\":[]}");
        // 200 ms to the first token and two more at 50 ms each.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(290));
    }

    @Test
    void modelsAndEmbeddings() throws Exception {
        HttpResponse<String> models = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(models.body()).at("/data/0/id").asText()).isEqualTo("m-1");
        JsonNode a = JSON.readTree(post("/v1/embeddings", "{\"input\":[\"same\",\"other\"]}").body());
        JsonNode b = JSON.readTree(post("/v1/embeddings", "{\"input\":\"same\"}").body());
        assertThat(a.get("data")).hasSize(2);
        assertThat(a.at("/data/0/embedding")).isEqualTo(b.at("/data/0/embedding"));
        assertThat(a.at("/data/1/embedding")).isNotEqualTo(b.at("/data/0/embedding"));
    }

    @Test
    void leakDetectorCatchesALeakedBuffer() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.buffer(8);
        leaked.writeByte(1);
        leaked = null;
        try {
            LeakRecordingDetector.assertNoLeaks();
            throw new IllegalStateException("a leaked buffer went unnoticed");
        } catch (AssertionError expected) {
            assertThat(expected.getMessage()).contains("leak");
        } finally {
            LeakRecordingDetector.reset();
        }
    }

    private static final String TOOLS = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\","
            + "\"parameters\":{\"type\":\"object\"}}},{\"type\":\"function\",\"function\":{\"name\":\"convert\"}}]";

    @Test
    void withToolArgumentsARequestThatOffersToolsGetsACallOfOne() throws Exception {
        server.options(server.options().toBuilder().toolArguments("{\"account\":42}").build());
        JsonNode first = JSON.readTree(post("/v1/chat/completions", "{\"model\":\"x\"," + TOOLS
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").body());
        assertThat(first.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(first.at("/choices/0/message/content").isNull()).isTrue();
        assertThat(first.at("/choices/0/message/tool_calls/0/function/name").asText()).isEqualTo("lookup");
        assertThat(first.at("/choices/0/message/tool_calls/0/function/arguments").asText()).isEqualTo("{\"account\":42}");
        assertThat(first.at("/choices/0/message/tool_calls/0/id").asText()).startsWith("call_mock_");

        JsonNode named = JSON.readTree(post("/v1/chat/completions", "{\"model\":\"x\"," + TOOLS
                + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"convert\"}},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").body());
        assertThat(named.at("/choices/0/message/tool_calls/0/function/name").asText()).isEqualTo("convert");

        // Once the tool's result is back, the model answers in text.
        JsonNode answer = JSON.readTree(post("/v1/chat/completions", "{\"model\":\"x\"," + TOOLS
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":null,"
                + "\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"ok\"}]}").body());
        assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(answer.at("/choices/0/message/content").asText()).isEqualTo("The account shows");

        // Without tools offered, nothing changes.
        JsonNode plain = JSON.readTree(post("/v1/chat/completions",
                "{\"model\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").body());
        assertThat(plain.at("/choices/0/message/content").asText()).isEqualTo("The account shows");
    }

    @Test
    void aStreamedToolCallComesInPiecesThatJoinToTheArguments() throws Exception {
        server.options(server.options().toBuilder().toolArguments("{\"account\":42}").build());
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"x\",\"stream\":true," + TOOLS
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        List<JsonNode> chunks = Arrays.stream(r.body().split("\n\n")).filter(e -> !e.equals("data: [DONE]"))
                .map(e -> {
                    try {
                        return JSON.readTree(e.substring("data: ".length()));
                    } catch (java.io.IOException ex) {
                        throw new java.io.UncheckedIOException(ex);
                    }
                }).toList();
        assertThat(chunks.get(0).at("/choices/0/delta/tool_calls/0/function/name").asText()).isEqualTo("lookup");
        assertThat(chunks.get(0).at("/choices/0/delta/tool_calls/0/id").asText()).startsWith("call_mock_");
        StringBuilder arguments = new StringBuilder();
        chunks.forEach(c -> arguments.append(c.at("/choices/0/delta/tool_calls/0/function/arguments").asText("")));
        assertThat(arguments).hasToString("{\"account\":42}");
        assertThat(chunks.size()).isGreaterThan(3); // the name, then the arguments in pieces, then the end
        assertThat(chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    }
}
