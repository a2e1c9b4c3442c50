package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestViewTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsWhatRoutingNeeds() {
        RequestView v = RequestView.chat("""
                {"model":"chat","stream":true,"max_tokens":300,"temperature":0,
                 "tools":[{"type":"function","function":{"name":"lookup","parameters":{}}}],
                 "messages":[
                   {"role":"system","content":"You are a teller."},
                   {"role":"user","name":"alice","content":[{"type":"text","text":"Balance?"},
                     {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]},
                   {"role":"assistant","tool_calls":[{"id":"c1","type":"function",
                     "function":{"name":"lookup","arguments":"{\\"acct\\":\\"42\\"}"}}]},
                   {"role":"tool","tool_call_id":"c1","content":"balance 100"}]}
                """);
        assertThat(v.model()).isEqualTo("chat");
        assertThat(v.stream()).isTrue();
        assertThat(v.maxTokens()).hasValue(300);
        assertThat(v.temperature()).hasValue(0.0);
        assertThat(v.hasTools()).isTrue();
        assertThat(v.hasImages()).isTrue();
        assertThat(v.promptText()).contains("You are a teller.", "Balance?", "alice", "lookup", "{\"acct\":\"42\"}",
                "balance 100");
        assertThat(v.promptTokens()).isBetween(15, 60);
    }

    @Test
    void upstreamBodyRewritesOnlyTheModel() throws Exception {
        String body = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"temperature\":0.1,\"top_p\":0.95000000000000001,\"seed\":12345678901234567890,"
                + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{}}},"
                + "\"vendor_extension\":{\"nested\":[1,2.50,null,true]}}";
        RequestView v = RequestView.chat(body);
        JsonNode sent = JSON.readTree(v.upstreamBody("big-model-v3", true));
        JsonNode original = JSON.readTree(body);
        ((com.fasterxml.jackson.databind.node.ObjectNode) original).put("model", "big-model-v3");
        assertThat(sent).isEqualTo(original);
        String text = new String(v.upstreamBody("big-model-v3", false), StandardCharsets.UTF_8);
        assertThat(text).contains("\"temperature\":0.1,").contains("12345678901234567890").contains("2.50");
        assertThat(text).startsWith("{\"model\":\"big-model-v3\"");
    }

    @Test
    void streamsAskUpstreamForUsageWhenTheClientDidNot() throws Exception {
        RequestView v = RequestView.chat("{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(v.clientWantsUsage()).isFalse();
        assertThat(JSON.readTree(v.upstreamBody("b", true)).path("stream_options").path("include_usage").asBoolean())
                .isTrue();
        RequestView asked = RequestView.chat("{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(asked.clientWantsUsage()).isTrue();
        RequestView own = RequestView.chat("{\"stream_options\":{\"x\":1},\"model\":\"m\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        JsonNode merged = JSON.readTree(own.upstreamBody("b\"q", true));
        assertThat(merged.get("model").asText()).isEqualTo("b\"q");
        assertThat(merged.get("stream_options").toString()).isEqualTo("{\"x\":1,\"include_usage\":true}");
    }

    @Test
    void theModelIsSplicedEvenWhenEscaped() throws Exception {
        RequestView v = RequestView.chat("{ \"messages\" : [{\"role\":\"user\",\"content\":\"x\"}] ,\n"
                + "  \"model\" :\t\"ch\\u0061t\" , \"n\":1}");
        assertThat(v.model()).isEqualTo("chat");
        assertThat(new String(v.upstreamBody("qwen", false), StandardCharsets.UTF_8)).isEqualTo(
                "{ \"messages\" : [{\"role\":\"user\",\"content\":\"x\"}] ,\n  \"model\" :\t\"qwen\" , \"n\":1}");
    }

    @Test
    void aBodyThatNeedsNoChangeGoesUpstreamAsTheClientsOwnBytes() {
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        byte[] sent = ("{\"model\":\"qwen\"," + messages).getBytes(StandardCharsets.UTF_8);
        RequestView v = RequestView.chat(sent);
        assertThat(v.upstreamBody("qwen", false)).isSameAs(v.upstreamBody("qwen", true)).isEqualTo(sent);
        assertThat(v.upstreamBody("qwen-2", false)).isNotSameAs(v.upstreamBody("qwen", false));
        // Escaped differently from how the quoter writes it: spliced, never mistaken for the same model.
        RequestView escaped = RequestView.chat("{\"model\":\"q\\u0077en\"," + messages);
        assertThat(new String(escaped.upstreamBody("qwen", false), StandardCharsets.UTF_8))
                .isEqualTo("{\"model\":\"qwen\"," + messages);
        // A stream that must ask for usage is a new body.
        RequestView stream = RequestView.chat("{\"model\":\"qwen\",\"stream\":true," + messages);
        assertThat(new String(stream.upstreamBody("qwen", true), StandardCharsets.UTF_8))
                .contains("\"include_usage\":true");
    }

    @Test
    void rejectsMalformedBodiesWithTheFieldAtFault() {
        assertInvalid("", null, "empty");
        assertInvalid("{bad", null, "not valid JSON");
        assertInvalid("[1,2]", null, "must be a JSON object");
        assertInvalid("{} {}", null, "not valid JSON");
        for (java.nio.charset.Charset wide : List.of(StandardCharsets.UTF_16, StandardCharsets.UTF_16LE,
                java.nio.charset.Charset.forName("UTF-32"))) {
            byte[] body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                    .getBytes(wide);
            assertThatThrownBy(() -> RequestView.chat(body)).as(wide.name())
                    .isInstanceOfSatisfying(GatewayException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.getMessage()).contains("UTF-8");
                    });
        }
        assertInvalid("{\"model\":\"a\",\"model\":\"b\",\"messages\":[{}]}", null, "Duplicate field 'model'");
        assertInvalid("{\"messages\":[]}", "model", "'model' is required");
        assertInvalid("{\"model\":5,\"messages\":[]}", "model", "non-empty string");
        assertInvalid("{\"model\":\"m\"}", "messages", "'messages' is required");
        assertInvalid("{\"model\":\"m\",\"messages\":[]}", "messages", "must not be empty");
        assertInvalid("{\"model\":\"m\",\"messages\":[1]}", "messages[0]", "must be an object");
        assertInvalid("{\"model\":\"m\",\"stream\":\"yes\",\"messages\":[{}]}", "stream", "true or false");
        assertInvalid("{\"model\":\"m\",\"max_tokens\":-3,\"messages\":[{}]}", "max_tokens", "positive integer");
        assertInvalid("{\"model\":\"m\",\"max_tokens\":1.5,\"messages\":[{}]}", "max_tokens", "positive integer");
        assertInvalid("{\"model\":\"m\",\"temperature\":\"hot\",\"messages\":[{}]}", "temperature", "number");
        assertInvalid("{\"model\":\"m\",\"messages\":[{}]," + "[".repeat(300) + "]".repeat(300) + "}", null,
                "not valid JSON");
    }

    @Test
    void embeddingsNeedAnInput() {
        assertThat(RequestView.embeddings("{\"model\":\"e\",\"input\":[\"a\",\"b\"]}".getBytes()).promptText())
                .isEqualTo("a\nb\n");
        assertThatThrownBy(() -> RequestView.embeddings("{\"model\":\"e\"}".getBytes()))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.param()).isEqualTo("input"));
    }

    private static void assertInvalid(String body, String param, String message) {
        assertThatThrownBy(() -> RequestView.chat(body))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.param()).isEqualTo(param);
                    assertThat(e.getMessage()).contains(message);
                });
    }
}
