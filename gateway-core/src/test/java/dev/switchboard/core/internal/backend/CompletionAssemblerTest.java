package dev.switchboard.core.internal.backend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.Usage;
import org.junit.jupiter.api.Test;

/** A streamed answer assembled into the completion a non-streamed client expects. */
class CompletionAssemblerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String chunk(String choices) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"m\","
                + "\"system_fingerprint\":\"fp_1\",\"choices\":" + choices + "}";
    }

    @Test
    void textToolCallsRefusalsChoicesAndLogprobsComeBackWhole() throws Exception {
        CompletionAssembler a = new CompletionAssembler();
        a.accept(chunk("[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},"
                + "\"logprobs\":{\"content\":[{\"token\":\"Hel\",\"logprob\":-0.1}]}},"
                + "{\"index\":1,\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"rate\",\"arguments\":\"{\\\"cur\"}}]}}]"));
        a.accept(chunk("[{\"index\":0,\"delta\":{\"content\":\"lo\"},"
                + "\"logprobs\":{\"content\":[{\"token\":\"lo\",\"logprob\":-0.2}]}},"
                + "{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\":\\\"EUR\\\"}\"}}]}}]"));
        a.accept(chunk("[{\"index\":2,\"delta\":{\"refusal\":\"I cannot\"},\"finish_reason\":\"stop\"}]"));
        a.accept(chunk("[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"},"
                + "{\"index\":1,\"delta\":{},\"finish_reason\":\"tool_calls\"}]"));
        JsonNode c = JSON.readTree(a.completion(new Usage(12, 5)));
        assertThat(c.path("object").asText()).isEqualTo("chat.completion");
        assertThat(c.path("id").asText()).isEqualTo("chatcmpl-1");
        assertThat(c.path("system_fingerprint").asText()).isEqualTo("fp_1");
        assertThat(c.at("/choices/0/message/content").asText()).isEqualTo("Hello");
        assertThat(c.at("/choices/0/logprobs/content")).hasSize(2);
        assertThat(c.at("/choices/1/message/content").isNull()).isTrue();
        assertThat(c.at("/choices/1/message/tool_calls/0/id").asText()).isEqualTo("call_1");
        assertThat(c.at("/choices/1/message/tool_calls/0/function/name").asText()).isEqualTo("rate");
        assertThat(JSON.readTree(c.at("/choices/1/message/tool_calls/0/function/arguments").asText())
                .path("cur").asText()).isEqualTo("EUR");
        assertThat(c.at("/choices/1/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(c.at("/choices/2/message/refusal").asText()).isEqualTo("I cannot");
        assertThat(c.at("/usage/total_tokens").asLong()).isEqualTo(17);
    }

    @Test
    void aStreamThatNeverEndedOrWasNotJsonIsNoCompletion() {
        CompletionAssembler unfinished = new CompletionAssembler();
        unfinished.accept(chunk("[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]"));
        assertThat(unfinished.completion(Usage.UNKNOWN)).isNull();
        CompletionAssembler garbled = new CompletionAssembler();
        garbled.accept("not json");
        garbled.accept(chunk("[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]"));
        assertThat(garbled.completion(Usage.UNKNOWN)).isNull();
    }
}
