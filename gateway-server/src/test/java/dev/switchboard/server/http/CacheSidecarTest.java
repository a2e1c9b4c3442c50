package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Cached answers through the sidecar, read by the OpenAI SDK, streamed and not. */
class CacheSidecarTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private MockModelServer model;
    private Gateway gateway;
    private SwitchboardServer server;
    private OpenAIClient sdk;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        model = MockModelServer.start(MockModelOptions.builder().model("m").responseTokens(12).build());
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                backends:
                  - { name: inhouse, base-url: "%s", model: m, residency: internal }
                routes:
                  - { name: faq, rules: [ { use: [inhouse] } ] }
                cache: { enabled: true, ttl: 10m, max-size: 1MiB }
                """.formatted(model.baseUrl()), "t");
        TestSidecar sidecar = TestSidecar.start(spec);
        gateway = sidecar.gateway();
        server = sidecar.server();
        sdk = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl()).apiKey("k").maxRetries(0).build();
    }

    @AfterEach
    void stop() {
        sdk.close();
        server.close();
        gateway.close();
        model.close();
    }

    @AfterAll
    static void noLeaks() {
        LeakRecordingDetector.assertNoLeaks();
    }

    private String streamText() {
        ChatCompletionCreateParams p = ChatCompletionCreateParams.builder().model("faq").temperature(0.0)
                .addUserMessage("How do I activate my card?").build();
        StringBuilder text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(p)) {
            stream.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
        }
        return text.toString();
    }

    @Test
    void aCachedAnswerIsReplayedAsAValidStream() throws Exception {
        String first = streamText();
        String second = streamText();
        assertThat(second).isEqualTo(first).isNotEmpty();
        assertThat(model.requests()).hasSize(1);
        // And as JSON, with the cache status in a header.
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"faq\",\"temperature\":0,\"messages\":"
                        + "[{\"role\":\"user\",\"content\":\"How do I activate my card?\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.headers().firstValue("x-switchboard-cache")).hasValue("hit");
        assertThat(JSON.readTree(r.body()).at("/choices/0/message/content").asText()).isEqualTo(first);
        HttpResponse<String> stats = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.adminPort() + "/admin/cache")).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode s = JSON.readTree(stats.body());
        assertThat(s.get("hits").asLong()).isEqualTo(2);
        assertThat(s.get("misses").asLong()).isEqualTo(1);
        assertThat(s.get("entries").asLong()).isEqualTo(1);
    }
}
