package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.routing.RoutingDecision;
import dev.switchboard.testkit.LeakRecordingDetector;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import dev.switchboard.testkit.RecordedRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded library against simulated models on real ports. */
public class GatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MockModelServer hosted;
    private MockModelServer inhouse;
    private Gateway gateway;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        hosted = MockModelServer.start(MockModelOptions.builder().model("big-model-v3").responseTokens(5).build());
        inhouse = MockModelServer.start(MockModelOptions.builder().model("qwen-14b").responseTokens(4).build());
        Path config = dir.resolve("switchboard.yaml");
        Files.writeString(config, """
                backends:
                  - name: hosted-100b
                    base-url: %s
                    api-key: ${env:TEST_HOSTED_KEY}
                    model: big-model-v3
                    residency: external
                  - name: inhouse-10b
                    base-url: %s
                    model: qwen-14b
                    residency: internal
                    limits: { first-token-timeout: 500ms, total-timeout: 2s }
                routes:
                  - name: chat
                    rules:
                      - when: { header: { x-scenario: aml-report } }
                        use: [hosted-100b, inhouse-10b]
                      - use: [inhouse-10b, hosted-100b]
                  - name: embed
                    rules:
                      - use: [inhouse-10b]
                """.formatted(hosted.baseUrl(), inhouse.baseUrl()));
        gateway = Gateway.fromConfig(config, GatewayOptions.defaults()
                .withEnv(Map.of("TEST_HOSTED_KEY", "sk-hosted-secret")::get));
    }

    @AfterEach
    void stop() {
        gateway.close();
        hosted.close();
        inhouse.close();
    }

    @AfterAll
    static void noLeaks() {
        LeakRecordingDetector.assertNoLeaks();
    }

    private static GatewayRequest chat(boolean stream, Map<String, String> headers) {
        String body = "{\"model\":\"chat\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"How is account 42?\"}]}";
        return GatewayRequest.of(RequestView.chat(body), headers, "retail");
    }

    @Test
    void blockingCallGoesToTheFirstCandidateWithTheModelRewritten() throws Exception {
        GatewayResponse r = gateway.chat(chat(false, Map.of()));
        assertThat(r.backend()).isEqualTo("inhouse-10b");
        assertThat(r.decision().route()).isEqualTo("chat");
        assertThat(r.usage()).isEqualTo(new Usage(4, 4));
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.at("/choices/0/message/content").asText()).isNotEmpty();
        RecordedRequest sent = inhouse.requests().get(0);
        assertThat(sent.json().get("model").asText()).isEqualTo("qwen-14b");
        assertThat(sent.header("authorization")).isNull();
        assertThat(hosted.requests()).isEmpty();
    }

    @Test
    void headerRuleSendsTheApiKeyToTheHostedModel() {
        GatewayResponse r = gateway.chat(chat(false, Map.of("X-Scenario", "aml-report")));
        assertThat(r.backend()).isEqualTo("hosted-100b");
        assertThat(hosted.requests().get(0).header("authorization")).isEqualTo("Bearer sk-hosted-secret");
    }

    @Test
    void asyncCallCompletesWithoutBlocking() throws Exception {
        CompletableFuture<GatewayResponse> f = gateway.chatAsync(chat(false, Map.of()));
        assertThat(f.get(5, TimeUnit.SECONDS).backend()).isEqualTo("inhouse-10b");
    }

    @Test
    void failsOverToTheNextCandidateOnA500() {
        inhouse.options(inhouse.options().toBuilder().forcedStatus(500).build());
        GatewayResponse r = gateway.chat(chat(false, Map.of()));
        assertThat(r.backend()).isEqualTo("hosted-100b");
        assertThat(r.attempts()).isEqualTo(3); // the default retries the same backend once, then fails over
        assertThat(inhouse.requests()).hasSize(2);
    }

    @Test
    void failsOverWhenAnAnswerTakesLongerThanTheTotalTimeout() {
        inhouse.options(inhouse.options().toBuilder().firstTokenDelay(Duration.ofSeconds(30)).build());
        GatewayResponse r = gateway.chat(chat(false, Map.of()));
        assertThat(r.backend()).isEqualTo("hosted-100b");
    }

    @Test
    void streamFailsOverWhenTheFirstTokenNeverComes() throws Exception {
        inhouse.options(inhouse.options().toBuilder().firstTokenDelay(Duration.ofSeconds(30)).build());
        Recorder rec = new Recorder();
        long start = System.nanoTime();
        gateway.chatStream(chat(true, Map.of()), rec);
        assertThat(rec.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(rec.backend.get()).isEqualTo("hosted-100b");
        assertThat(rec.error.get()).isNull();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void aRequestTheUpstreamRejectsIsNotRetriedElsewhere() {
        inhouse.options(inhouse.options().toBuilder().forcedStatus(400).build());
        assertThatThrownBy(() -> gateway.chat(chat(false, Map.of())))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.UPSTREAM_REJECTED);
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("simulated failure 400");
                });
        assertThat(hosted.requests()).isEmpty();
    }

    @Test
    void allBackendsDownIsA502NamingEachFailure() {
        inhouse.options(inhouse.options().toBuilder().forcedStatus(503).build());
        hosted.options(hosted.options().toBuilder().forcedStatus(500).build());
        assertThatThrownBy(() -> gateway.chat(chat(false, Map.of())))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(502);
                    assertThat(e.getMessage()).contains("inhouse-10b' answered HTTP 503")
                            .contains("hosted-100b' answered HTTP 500");
                });
    }

    @Test
    void unknownModelFailsBeforeAnyCall() {
        GatewayRequest r = GatewayRequest.chat("{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThatThrownBy(() -> gateway.chat(r)).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.status()).isEqualTo(404));
        assertThat(inhouse.requests()).isEmpty();
    }

    @Test
    void explainShowsTheDecisionWithoutCalling() {
        RoutingDecision d = gateway.explain(chat(false, Map.of("x-scenario", "aml-report")));
        assertThat(d.candidates()).containsExactly("hosted-100b", "inhouse-10b");
        assertThat(hosted.requests()).isEmpty();
    }

    @Test
    void streamsEventsAndReadsUsageFromTheFinalChunkWithoutForwardingIt() throws Exception {
        Recorder rec = new Recorder();
        gateway.chatStream(chat(true, Map.of()), rec);
        assertThat(rec.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(rec.backend.get()).isEqualTo("inhouse-10b");
        assertThat(rec.error.get()).isNull();
        assertThat(rec.usage.get()).isEqualTo(new Usage(4, 4));
        assertThat(rec.finish.get()).isEqualTo("stop");
        // 4 content chunks + the finish chunk; the usage chunk the gateway asked for is not relayed.
        assertThat(rec.events).hasSize(5);
        assertThat(rec.events).noneMatch(e -> e.contains("\"usage\""));
        assertThat(inhouse.requests().get(0).json().at("/stream_options/include_usage").asBoolean()).isTrue();
    }

    @Test
    void relaysTheUsageChunkWhenTheClientAskedForIt() throws Exception {
        String body = "{\"model\":\"chat\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        Recorder rec = new Recorder();
        gateway.chatStream(GatewayRequest.chat(body), rec);
        assertThat(rec.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(rec.events.get(rec.events.size() - 1)).contains("\"usage\"");
    }

    @Test
    void streamFailsOverBeforeTheFirstEvent() throws Exception {
        inhouse.options(inhouse.options().toBuilder().forcedStatus(502).build());
        Recorder rec = new Recorder();
        gateway.chatStream(chat(true, Map.of()), rec);
        assertThat(rec.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(rec.backend.get()).isEqualTo("hosted-100b");
        assertThat(rec.error.get()).isNull();
    }

    @Test
    void aStreamCutMidwayIsAnErrorNotACleanEnd() throws Exception {
        inhouse.options(inhouse.options().toBuilder().dropAfterChunks(2).build());
        Recorder rec = new Recorder();
        gateway.chatStream(chat(true, Map.of()), rec);
        assertThat(rec.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(rec.events).hasSize(2);
        assertThat(rec.error.get()).isNotNull();
        assertThat(rec.errorAfterStart.get()).isTrue();
        assertThat(rec.error.get().status()).isEqualTo(502);
        assertThat(hosted.requests()).isEmpty(); // too late to fail over: the client has part of the answer
    }

    @Test
    void cancellingAStreamClosesTheUpstreamCall() throws Exception {
        inhouse.options(inhouse.options().toBuilder().tokensPerSecond(5).responseTokens(100).build());
        Recorder rec = new Recorder();
        StreamCall call = gateway.chatStream(chat(true, Map.of()), rec);
        assertThat(rec.firstEvent.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(inhouse.openStreams()).isEqualTo(1);
        call.cancel();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (inhouse.openStreams() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(inhouse.openStreams()).isZero();
        assertThat(rec.done.getCount()).isEqualTo(1); // a cancelled call reports nothing further
    }

    @Test
    void embeddingsRouteLikeChat() throws Exception {
        GatewayResponse r = gateway.embeddings(new GatewayRequest(
                RequestView.embeddings("{\"model\":\"embed\",\"input\":[\"a\",\"b\"]}".getBytes()), Map.of(), null, null));
        assertThat(r.backend()).isEqualTo("inhouse-10b");
        assertThat(JSON.readTree(r.body()).get("data")).hasSize(2);
        assertThat(inhouse.requests("/v1/embeddings")).hasSize(1);
    }

    /** Collects what a stream delivers. */
    public static final class Recorder implements StreamListener {
        public final List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        public final AtomicReference<String> backend = new AtomicReference<>();
        public final AtomicReference<Usage> usage = new AtomicReference<>();
        public final AtomicReference<String> finish = new AtomicReference<>();
        public final AtomicReference<GatewayException> error = new AtomicReference<>();
        public final AtomicReference<Boolean> errorAfterStart = new AtomicReference<>();
        public final CountDownLatch done = new CountDownLatch(1);
        public final CountDownLatch firstEvent = new CountDownLatch(1);

        @Override
        public void onStart(RoutingDecision decision, String b) {
            backend.set(b);
        }

        @Override
        public void onEvent(String data) {
            events.add(data);
            firstEvent.countDown();
        }

        @Override
        public void onComplete(Usage u, String finishReason) {
            usage.set(u);
            finish.set(finishReason);
            done.countDown();
        }

        @Override
        public void onError(GatewayException e, boolean started) {
            error.set(e);
            errorAfterStart.set(started);
            done.countDown();
        }
    }
}
