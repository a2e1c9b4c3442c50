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

    @Test
    void aWholeAnswerToAStreamedRequestIsRelayedAsAStreamThatAssemblesBackToIt() throws Exception {
        String whole = "{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion\",\"created\":1700000000,"
                + "\"model\":\"small\",\"system_fingerprint\":\"fp_9\",\"choices\":["
                + "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello there\"},"
                + "\"finish_reason\":\"stop\"},"
                + "{\"index\":1,\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"rate\",\"arguments\":\"{\\\"cur\\\":\\\"EUR\\\"}\"}},"
                + "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"fx\",\"arguments\":\"{}\"}}]},"
                + "\"finish_reason\":\"tool_calls\"}],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17}}";
        CompletionAssembler a = new CompletionAssembler();
        java.util.List<String> events = new java.util.ArrayList<>();
        Usage[] usage = {null};
        boolean[] whole0 = {false};
        new dev.switchboard.core.backend.SseRelay("inhouse", true, new dev.switchboard.core.backend.StreamSink() {
            @Override
            public void onWholeAnswer() {
                whole0[0] = true;
            }

            @Override
            public void onEvent(String data) {
                events.add(data);
                a.accept(data);
            }

            @Override
            public void onDone(Usage u, String finishReason) {
                usage[0] = u;
            }

            @Override
            public void onFailure(dev.switchboard.core.backend.UpstreamFailure failure, int delivered) {
                throw new AssertionError(failure);
            }
        }, () -> { }).whole(whole);
        assertThat(whole0[0]).isTrue();
        assertThat(events).hasSize(3); // a chunk per choice, and the usage chunk asked for
        assertThat(JSON.readTree(events.get(0)).path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(usage[0]).isEqualTo(new Usage(12, 5));
        JsonNode original = JSON.readTree(whole);
        JsonNode c = JSON.readTree(a.completion(usage[0]));
        assertThat(c.path("id")).isEqualTo(original.path("id"));
        assertThat(c.path("model")).isEqualTo(original.path("model"));
        assertThat(c.path("system_fingerprint")).isEqualTo(original.path("system_fingerprint"));
        for (int i = 0; i < 2; i++) {
            JsonNode want = original.path("choices").get(i);
            JsonNode got = c.path("choices").get(i);
            assertThat(got.path("finish_reason")).isEqualTo(want.path("finish_reason"));
            assertThat(got.at("/message/content")).isEqualTo(want.at("/message/content"));
            assertThat(got.at("/message/tool_calls")).isEqualTo(want.at("/message/tool_calls"));
        }
        assertThat(c.path("usage").path("total_tokens").asInt()).isEqualTo(17);
    }

    @Test
    void aWholeAnswerThatIsNotACompletionIsAFailureBeforeAnyEvent() {
        dev.switchboard.core.backend.UpstreamFailure[] failed = {null};
        int[] delivered = {-1};
        new dev.switchboard.core.backend.SseRelay("inhouse", false, new dev.switchboard.core.backend.StreamSink() {
            @Override
            public void onEvent(String data) {
                throw new AssertionError("no event expected: " + data);
            }

            @Override
            public void onDone(Usage u, String finishReason) {
                throw new AssertionError("no end expected");
            }

            @Override
            public void onFailure(dev.switchboard.core.backend.UpstreamFailure failure, int n) {
                failed[0] = failure;
                delivered[0] = n;
            }
        }, () -> { }).whole("{\"error\":\"nope\"}");
        assertThat(failed[0].kind()).isEqualTo(dev.switchboard.core.backend.UpstreamFailure.Kind.TRUNCATED);
        assertThat(failed[0].getMessage()).contains("not a chat completion");
        assertThat(delivered[0]).isZero();
    }
}
