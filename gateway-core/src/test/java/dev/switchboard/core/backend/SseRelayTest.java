package dev.switchboard.core.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.Usage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading OpenAI-shaped SSE: what is relayed, and where usage and the finish reason are found. */
class SseRelayTest {
    private final List<String> events = new ArrayList<>();
    private Usage usage;
    private String finishReason;

    private final StreamSink sink = new StreamSink() {
        @Override
        public void onEvent(String data) {
            events.add(data);
        }

        @Override
        public void onDone(Usage u, String reason) {
            usage = u;
            finishReason = reason;
        }

        @Override
        public void onFailure(UpstreamFailure failure, int eventsDelivered) {
            throw new AssertionError(failure);
        }
    };

    private void feed(SseRelay relay, String... payloads) throws Exception {
        for (String p : payloads) {
            relay.line("data: " + p);
            relay.line("");
        }
    }

    @Test
    void openAiStyleUsageNullChunksPassThroughAndTheFinalUsageIsRead() throws Exception {
        SseRelay relay = new SseRelay("b", false, sink, () -> { });
        feed(relay,
                "{\"choices\":[{\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}],\"usage\":null}",
                "{\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\": null}",
                "{\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9}}",
                "[DONE]");
        assertThat(events).hasSize(2); // the usage-only chunk the gateway asked for itself is kept back
        assertThat(usage).isEqualTo(new Usage(7, 2));
        assertThat(finishReason).isEqualTo("stop");
        assertThat(relay.ended()).isTrue();
    }

    @Test
    void aCutStreamTellsTheClientWhichBackendNeverTheCauseOrAnAddress() throws Exception {
        SseRelay relay = new SseRelay("hosted-100b", false, sink, () -> { });
        feed(relay, "{\"choices\":[{\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}");
        UpstreamFailure cut = relay.cut("Connection reset by peer: /10.1.2.3:443",
                new java.io.IOException("Connection reset by peer: /10.1.2.3:443"));
        assertThat(cut.kind()).isEqualTo(UpstreamFailure.Kind.TRUNCATED);
        assertThat(cut.detail()).contains("10.1.2.3", "after 1 events"); // the log's version
        assertThat(cut.clientMessage()).contains("hosted-100b", "after 1 events")
                .doesNotContain("10.1.2.3", "reset", "443");
    }

    @Test
    void aFinishReasonIsFoundWhateverTheSpacingAroundItsColon() throws Exception {
        SseRelay relay = new SseRelay("b", false, sink, () -> { });
        feed(relay, "{\"choices\":[{\"delta\":{},\"finish_reason\" : \"length\"}],\"usage\":null}");
        relay.eof(); // no [DONE]: a finish reason still makes it a complete answer
        assertThat(finishReason).isEqualTo("length");
    }

    @Test
    void theUsageChunkIsForwardedWhenTheClientAskedForIt() throws Exception {
        SseRelay relay = new SseRelay("b", true, sink, () -> { });
        feed(relay, "{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}", "[DONE]");
        assertThat(events).hasSize(1);
        assertThat(usage).isEqualTo(new Usage(1, 1));
    }

    @Test
    void onlyANonNullUsageCounts() {
        assertThat(SseRelay.carries("{\"usage\":null}", "\"usage\"")).isFalse();
        assertThat(SseRelay.carries("{\"usage\" : null,\"x\":1}", "\"usage\"")).isFalse();
        assertThat(SseRelay.carries("{\"usage\":{\"prompt_tokens\":1}}", "\"usage\"")).isTrue();
        assertThat(SseRelay.carries("{\"usage\":null,\"choices\":[],\"usage\":{}}", "\"usage\"")).isTrue();
        assertThat(SseRelay.carries("{\"choices\":[]}", "\"usage\"")).isFalse();
        assertThat(SseRelay.carries("{\"finish_reason\"\t:\t\"stop\"}", "\"finish_reason\"")).isTrue();
    }
}
