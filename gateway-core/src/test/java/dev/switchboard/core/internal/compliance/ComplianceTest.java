package dev.switchboard.core.internal.compliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.GatewayResponse;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.StreamListener;
import dev.switchboard.core.Usage;
import dev.switchboard.core.routing.RoutingDecision;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import dev.switchboard.testkit.RecordedRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Planted customer data must never reach the external simulated model: asserted on what it recorded. */
public class ComplianceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String ID = "440306199003071232";
    static final String CARD = "6222021234567894";
    static final String PHONE = "13800138000";
    static final String MAIL = "zhang.san@example.com";
    private static final List<String> PLANTED = List.of(ID, CARD, PHONE, MAIL);

    private MockModelServer external;
    private MockModelServer internal;
    private Gateway gateway;

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        external = MockModelServer.start(MockModelOptions.builder().model("big").echo(true).build());
        internal = MockModelServer.start(MockModelOptions.builder().model("small").echo(true).build());
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        external.close();
        internal.close();
    }

    private void gateway(String action) throws Exception {
        gateway(action, "");
    }

    private void gateway(String action, String extra) throws Exception {
        Path config = dir.resolve("switchboard.yaml");
        Files.writeString(config, """
                backends:
                  - { name: hosted-100b, base-url: "%s", model: big, residency: external }
                  - { name: inhouse-10b, base-url: "%s", model: small, residency: internal }
                routes:
                  - name: chat
                    rules:
                      - use: [hosted-100b, inhouse-10b]   # external first: only the policy keeps data inside
                compliance:
                  action: %s
                  patterns: [ { name: employee-id, regex: "EMP\\\\d{6}" } ]
                resilience:
                  retry: { attempts: 1 }
                audit: { path: %s }
                %s
                """.formatted(external.baseUrl(), internal.baseUrl(), action, dir.resolve("audit.jsonl"), extra));
        gateway = Gateway.fromConfig(config, GatewayOptions.defaults());
    }

    /** A request with a planted value in every position the upstream reads. */
    static String plantedBody(boolean stream) {
        return """
                {"model":"chat","stream":%s,"messages":[
                  {"role":"system","content":"Customer mail %s"},
                  {"role":"user","name":"caller","content":[{"type":"text","text":"My ID is %s"}]},
                  {"role":"assistant","tool_calls":[{"id":"c1","type":"function",
                    "function":{"name":"lookup","arguments":"{\\"card\\":\\"%s\\"}"}}]},
                  {"role":"tool","tool_call_id":"c1","content":"owner phone %s"},
                  {"role":"user","content":"Summarise card %s for ID %s please"}]}
                """.formatted(stream, MAIL, ID, CARD, PHONE, CARD, ID);
    }

    private static void assertNoneReached(MockModelServer server) {
        for (RecordedRequest r : server.requests()) {
            for (String value : PLANTED) {
                assertThat(r.body()).doesNotContain(value);
            }
        }
    }

    private GatewayResponse chat(String body) {
        return gateway.chat(new GatewayRequest(RequestView.chat(body), Map.of(), "retail", null));
    }

    private static final class Collector implements StreamListener {
        final StringBuilder content = new StringBuilder();
        final AtomicReference<String> backend = new AtomicReference<>();
        final AtomicReference<GatewayException> error = new AtomicReference<>();
        final CountDownLatch done = new CountDownLatch(1);

        @Override
        public void onStart(RoutingDecision decision, String b) {
            backend.set(b);
        }

        @Override
        public void onEvent(String data) {
            try {
                JSON.readTree(data).path("choices").forEach(c -> content.append(c.path("delta").path("content")
                        .asText("")));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void onComplete(Usage usage, String finishReason) {
            done.countDown();
        }

        @Override
        public void onError(GatewayException e, boolean started) {
            error.set(e);
            done.countDown();
        }
    }

    @Test
    void routeInternalKeepsEveryPlantedValueInside() throws Exception {
        gateway("route-internal");
        GatewayResponse r = chat(plantedBody(false));
        assertThat(r.backend()).isEqualTo("inhouse-10b");
        assertThat(r.decision().summary()).contains("hosted-100b excluded: sensitive data");
        assertThat(r.decision().traces()).filteredOn(t -> t.backend().equals("hosted-100b")).singleElement()
                .satisfies(t -> assertThat(t.exclusion())
                        .isEqualTo(dev.switchboard.core.routing.Exclusion.STAYS_INTERNAL));
        assertThat(external.requests()).isEmpty();
        assertThat(internal.requests().get(0).body()).contains(ID); // inside, the request is untouched

        Collector c = new Collector();
        gateway.chatStream(new GatewayRequest(RequestView.chat(plantedBody(true)), Map.of(), "retail", null), c);
        assertThat(c.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(c.backend.get()).isEqualTo("inhouse-10b");
        assertThat(external.requests()).isEmpty();

        // Clean requests still go out.
        assertThat(chat("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}").backend())
                .isEqualTo("hosted-100b");
    }

    /** Media in each shape a client sends them: the detectors cannot read a picture, so none goes out by default. */
    public static List<String> mediaBodies() {
        String png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk";
        return List.of(
                "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                        + "\"text\":\"What does this ID card say?\"},{\"type\":\"image_url\",\"image_url\":"
                        + "{\"url\":\"https://files.example.com/presigned/scan-4711.png\"}}]}]}",
                "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                        + "\"image_url\":{\"url\":\"" + png + "\"}}]}]}",
                "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\","
                        + "\"input_audio\":{\"data\":\"UklGRiQAAABXQVZFZm10\",\"format\":\"wav\"}}]}]}",
                "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"file\","
                        + "\"file\":{\"filename\":\"statement.pdf\",\"file_data\":\"data:application/pdf;base64,"
                        + "JVBERi0xLjQK\"}}]}]}",
                // Anthropic's shape: raw base64 beside its media type, no data: URL.
                "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\","
                        + "\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"iVBORw0KGgo\"}}]}]}",
                // Gemini's inline data, and a part typed as a file with no bytes key we know.
                "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"see\"}],\"x_parts\":["
                        + "{\"inline_data\":{\"data\":\"JVBERi0xLjQK\"}}]}",
                "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"file\","
                        + "\"file\":{\"file_id\":\"file-abc123\"}}]}]}",
                // A vendor's own field: the bytes are known by their data: URL wherever they sit.
                "{\"model\":\"chat\",\"x_attachments\":[\"" + png + "\"],\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"see attachment\"}]}");
    }

    @Test
    void imagesAudioAndFilesStayInsideUnlessTheConfigAllowsThem() throws Exception {
        gateway("route-internal");
        for (String body : mediaBodies()) {
            GatewayResponse r = chat(body);
            assertThat(r.backend()).as(body).isEqualTo("inhouse-10b");
            assertThat(r.decision().summary()).as(body).contains("hosted-100b excluded: sensitive data");
        }
        assertThat(external.requests()).isEmpty();
        gateway.close();

        // Under mask too: what cannot be read cannot be masked.
        gateway("mask");
        for (String body : mediaBodies()) {
            assertThat(chat(body).backend()).as(body).isEqualTo("inhouse-10b");
        }
        assertThat(external.requests()).isEmpty();
        gateway.close();

        // compliance.media: allow — only the text around the media is judged.
        gateway("route-internal\n  media: allow");
        for (String body : mediaBodies()) {
            assertThat(chat(body).backend()).as(body).isEqualTo("hosted-100b");
        }
        assertThat(external.requests()).hasSize(mediaBodies().size());
    }

    @Test
    void whenTheInternalBackendFailsTheAnswerIs503NotALeak() throws Exception {
        gateway("route-internal");
        internal.options(internal.options().toBuilder().forcedStatus(500).build());
        assertThatThrownBy(() -> chat(plantedBody(false))).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.kind()).isEqualTo(dev.switchboard.core.ErrorKind.UNAVAILABLE);
            assertThat(e.getMessage()).contains("never sent outside");
        });
        Collector c = new Collector();
        gateway.chatStream(new GatewayRequest(RequestView.chat(plantedBody(true)), Map.of(), "retail", null), c);
        assertThat(c.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(c.error.get().status()).isEqualTo(503);
        internal.close();
        assertThatThrownBy(() -> chat(plantedBody(false))).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.status()).isEqualTo(503));
        assertThat(external.requests()).isEmpty();
    }

    @Test
    void maskSendsPlaceholdersOutAndRestoresTheAnswer() throws Exception {
        gateway("mask");
        GatewayResponse r = chat(plantedBody(false));
        assertThat(r.backend()).isEqualTo("hosted-100b");
        assertNoneReached(external);
        JsonNode sent = external.requests().get(0).json();
        assertThat(sent.at("/messages/0/content").asText()).isEqualTo("Customer mail [EMAIL_1]");
        assertThat(sent.at("/messages/1/content/0/text").asText()).isEqualTo("My ID is [ID_CARD_1]");
        assertThat(sent.at("/messages/2/tool_calls/0/function/arguments").asText()).isEqualTo("{\"card\":\"[BANK_CARD_1]\"}");
        assertThat(sent.at("/messages/3/content").asText()).isEqualTo("owner phone [MOBILE_1]");
        // The echo model answered with the placeholders; the client reads the real values again.
        String answer = JSON.readTree(r.body()).at("/choices/0/message/content").asText();
        assertThat(answer).isEqualTo("Summarise card " + CARD + " for ID " + ID + " please");

        Collector c = new Collector();
        gateway.chatStream(new GatewayRequest(RequestView.chat(plantedBody(true)), Map.of(), "retail", null), c);
        assertThat(c.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertNoneReached(external);
        // The echo streams 5-character tokens, so placeholders arrive split across chunks.
        assertThat(c.content.toString()).isEqualTo("Summarise card " + CARD + " for ID " + ID + " please");
    }

    @Test
    void withTheCacheOnNothingLeaksAndNothingIsSharedAcrossTenants() throws Exception {
        gateway("mask", "cache: { enabled: true, scope: shared, only-deterministic: false }");
        String body = plantedBody(false);
        GatewayResponse first = gateway.chat(new GatewayRequest(RequestView.chat(body), Map.of(), "retail", null));
        assertThat(first.cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.MISS);
        GatewayResponse again = gateway.chat(new GatewayRequest(RequestView.chat(body), Map.of(), "retail", null));
        assertThat(again.cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.HIT);
        // Another tenant never gets the first tenant's answer (it holds the restored customer data).
        GatewayResponse other = gateway.chat(new GatewayRequest(RequestView.chat(body), Map.of(), "risk", null));
        assertThat(other.cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.MISS);
        assertThat(external.requests()).hasSize(2);
        assertNoneReached(external);
        // Streamed, from the cache: still restored for its own tenant, still nothing out.
        Collector c = new Collector();
        gateway.chatStream(new GatewayRequest(RequestView.chat(plantedBody(true)), Map.of(), "retail", null), c);
        assertThat(c.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(c.content.toString()).contains(CARD);
        assertNoneReached(external);
    }

    @Test
    void blockRefusesNamingKindsNotValues() throws Exception {
        gateway("block");
        assertThatThrownBy(() -> chat(plantedBody(false))).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.SENSITIVE_DATA_BLOCKED);
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.getMessage()).contains("bank-card (2)", "cn-resident-id (2)", "cn-mobile (1)", "email (1)");
            for (String value : PLANTED) {
                assertThat(e.getMessage()).doesNotContain(value);
            }
        });
        assertThat(external.requests()).isEmpty();
        assertThat(internal.requests()).isEmpty();
    }

    @Test
    void customPatternsCountAndTheAuditLogHoldsKindsNotValues() throws Exception {
        gateway("route-internal");
        chat("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Ask EMP123456 about it\"}]}");
        assertThat(external.requests()).isEmpty();
        chat(plantedBody(false));
        gateway.close();
        gateway = null;
        String log = Files.readString(dir.resolve("audit.jsonl"));
        for (String value : PLANTED) {
            assertThat(log).doesNotContain(value);
        }
        assertThat(log).doesNotContain("EMP123456");
        List<String> lines = log.lines().toList();
        assertThat(JSON.readTree(lines.get(0)).at("/sensitive_data/employee-id").asInt()).isEqualTo(1);
        JsonNode planted = JSON.readTree(lines.get(1));
        assertThat(planted.at("/sensitive_data/bank-card").asInt()).isEqualTo(2);
        assertThat(planted.get("compliance").asText()).isEqualTo("route-internal");
        assertThat(planted.get("backend").asText()).isEqualTo("inhouse-10b");
    }
}
