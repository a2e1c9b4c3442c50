package dev.switchboard.server.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.server.http.SwitchboardServer;
import dev.switchboard.server.upstream.NettyUpstream;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import dev.switchboard.testkit.OtlpReceiver.ReceivedSpan;
import dev.switchboard.testkit.OtlpReceiver;
import io.netty.channel.EventLoopGroup;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sidecar's traces, exported over real OTLP/HTTP to a receiver that decodes them with the OpenTelemetry proto
 * classes: the tree (server span, the gateway's span, its steps and attempts) and its attributes, for a failover, a
 * stream, a cache hit and a blocked request — joined to the client's trace and named in error bodies.
 */
class TracesSidecarTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
    private static final String CLIENT_SPAN = "b7ad6b7169203331";

    private OtlpReceiver receiver;
    private MockModelServer hosted;
    private MockModelServer inhouse;
    private Telemetry telemetry;
    private Gateway gateway;
    private SwitchboardServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        receiver = OtlpReceiver.start();
        hosted = MockModelServer.start(MockModelOptions.builder().model("big").build());
        inhouse = MockModelServer.start(MockModelOptions.builder().model("small").build());
    }

    private void sidecar(String extra) {
        sidecar(extra, "http/protobuf", receiver.endpoint());
    }

    private void sidecar(String extra, String protocol, String endpoint) {
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                backends:
                  - { name: inhouse-10b, base-url: "%s", model: small, residency: internal }
                  - { name: hosted-100b, base-url: "%s", model: big, residency: external }
                routes:
                  - { name: chat, rules: [ { use: [inhouse-10b, hosted-100b] } ] }
                resilience: { retry: { attempts: 1 } }
                telemetry:
                  traces: { exporter: otlp, protocol: %s, endpoint: "%s", service-name: sb-test }
                %s
                """.formatted(inhouse.baseUrl(), hosted.baseUrl(), protocol, endpoint, extra), "traces.yaml");
        telemetry = Telemetry.start(spec.telemetry(), k -> null);
        assertThat(telemetry.on()).isTrue();
        EventLoopGroup workers = SwitchboardServer.newWorkers();
        gateway = Gateway.create(spec, GatewayOptions.defaults().withBackends(new NettyUpstream(workers))
                .withOpenTelemetry(telemetry.openTelemetry()).withMeters(telemetry.meterRegistry()));
        server = SwitchboardServer.start(spec.server(), () -> gateway, workers, telemetry.openTelemetry());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
            gateway.close();
        }
        if (telemetry != null) {
            telemetry.close();
        }
        hosted.close();
        inhouse.close();
        receiver.close();
    }

    private HttpResponse<String> post(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                .header("content-type", "application/json")
                .header("traceparent", "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String chat(boolean stream, String text) {
        return "{\"model\":\"chat\",\"temperature\":0,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    /** Exports what is buffered (the batch processor's next round would) and returns every span received. */
    private List<ReceivedSpan> exported() {
        telemetry.close();
        telemetry = null;
        return receiver.spans();
    }

    private static ReceivedSpan named(List<ReceivedSpan> spans, String name) {
        return spans.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(
                () -> new AssertionError("no span '" + name + "' in " + spans.stream().map(ReceivedSpan::name)
                        .toList()));
    }

    private static List<ReceivedSpan> childrenOf(List<ReceivedSpan> spans, ReceivedSpan parent) {
        return spans.stream().filter(s -> s.parentSpanId().equals(parent.spanId())).toList();
    }

    @Test
    void aFailoverIsOneTreeFromTheClientsSpanToEachAttempt() throws Exception {
        sidecar("");
        inhouse.options(inhouse.options().toBuilder().forcedStatus(500).build());
        HttpResponse<String> r = post(chat(false, "hello"));
        assertThat(r.statusCode()).isEqualTo(200);
        List<ReceivedSpan> spans = exported();

        assertThat(spans).allSatisfy(s -> {
            assertThat(s.traceId()).isEqualTo(TRACE_ID); // one trace, the client's
            assertThat(s.service()).isEqualTo("sb-test");
        });
        ReceivedSpan server = named(spans, "POST /v1/chat/completions");
        assertThat(server.kind()).isEqualTo(SpanKind.SPAN_KIND_SERVER);
        assertThat(server.parentSpanId()).isEqualTo(CLIENT_SPAN);
        assertThat(server.attribute("http.response.status_code")).isEqualTo(200L);
        ReceivedSpan request = named(spans, "chat chat");
        assertThat(request.parentSpanId()).isEqualTo(server.spanId());
        assertThat(request.attributes()).containsEntry("gen_ai.operation.name", "chat")
                .containsEntry("gen_ai.response.model", "big").containsEntry("switchboard.route", "chat")
                .containsEntry("switchboard.backend", "hosted-100b")
                .containsEntry("switchboard.decision_id", r.headers().firstValue("x-switchboard-decision-id")
                        .orElseThrow())
                .containsKeys("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "switchboard.cost");
        List<ReceivedSpan> attempts = childrenOf(spans, request).stream()
                .filter(s -> s.kind() == SpanKind.SPAN_KIND_CLIENT).toList();
        assertThat(attempts).extracting(ReceivedSpan::name).containsExactlyInAnyOrder("chat small", "chat big");
        assertThat(attempts).filteredOn(s -> s.name().equals("chat small")).singleElement().satisfies(s -> {
            assertThat(s.error()).isTrue();
            assertThat(s.attributes()).containsEntry("error.type", "status")
                    .containsEntry("http.response.status_code", 500L);
        });
        assertThat(childrenOf(spans, request)).extracting(ReceivedSpan::name)
                .contains("switchboard.compliance", "switchboard.route", "switchboard.failover");
        // The model servers saw the trace too.
        assertThat(hosted.requests().get(0).header("traceparent")).startsWith("00-" + TRACE_ID + "-");
    }

    @Test
    void theGrpcProtocolExportsToACollectorOverGrpc() throws Exception {
        try (dev.switchboard.testkit.OtlpGrpcReceiver collector = dev.switchboard.testkit.OtlpGrpcReceiver.start()) {
            sidecar("", "grpc", collector.endpoint());
            assertThat(post(chat(true, "hello")).statusCode()).isEqualTo(200);
            telemetry.close(); // exports what is buffered
            telemetry = null;
            List<ReceivedSpan> spans = collector.spans();
            assertThat(spans).isNotEmpty().allSatisfy(s -> {
                assertThat(s.traceId()).isEqualTo(TRACE_ID);
                assertThat(s.service()).isEqualTo("sb-test");
            });
            ReceivedSpan request = named(spans, "chat chat");
            assertThat(request.attributes()).containsEntry("switchboard.backend", "inhouse-10b");
            assertThat(named(spans, "POST /v1/chat/completions").kind()).isEqualTo(SpanKind.SPAN_KIND_SERVER);
            assertThat(receiver.spans()).isEmpty(); // nothing went to the OTLP/HTTP receiver
        }
    }

    @Test
    void aLatencyBucketLinksToItsTraceInOpenMetrics() throws Exception {
        sidecar("");
        assertThat(post(chat(true, "hello")).statusCode()).isEqualTo(200);
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort()
                        + "/metrics")).header("accept", "application/openmetrics-text; version=1.0.0").build(),
                HttpResponse.BodyHandlers.ofString()).body();
        // The call's duration and the attempt's first token, each bucket with the trace that landed in it.
        assertThat(metrics.lines().filter(l -> l.startsWith("gen_ai_client_operation_duration_seconds_bucket")
                && l.contains("trace_id=\"" + TRACE_ID + "\""))).isNotEmpty();
        assertThat(metrics.lines().filter(l -> l.startsWith("gen_ai_server_time_to_first_token_seconds_bucket")
                && l.contains("trace_id=\"" + TRACE_ID + "\""))).isNotEmpty();
        // The classic text format stays as it was: no exemplars.
        String classic = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(classic).contains("gen_ai_client_operation_duration_seconds_bucket").doesNotContain("trace_id");
    }

    @Test
    void aStreamsSpansEndWithTheStream() throws Exception {
        sidecar("");
        HttpResponse<String> r = post(chat(true, "hello"));
        assertThat(r.body()).contains("[DONE]");
        List<ReceivedSpan> spans = exported();
        assertThat(named(spans, "POST /v1/chat/completions").attribute("http.response.status_code")).isEqualTo(200L);
        assertThat(named(spans, "chat chat").attributes()).containsEntry("switchboard.backend", "inhouse-10b")
                .containsEntry("gen_ai.response.finish_reasons", List.of("stop"));
        assertThat(named(spans, "chat small").kind()).isEqualTo(SpanKind.SPAN_KIND_CLIENT);
    }

    @Test
    void aCacheHitIsARequestWithoutAnAttempt() throws Exception {
        sidecar("cache: { enabled: true, ttl: 5m }");
        post(chat(false, "what is a swift code"));
        HttpResponse<String> again = post(chat(false, "what is a swift code"));
        assertThat(again.headers().firstValue("x-switchboard-cache")).hasValue("hit");
        List<ReceivedSpan> spans = exported();
        List<ReceivedSpan> requests = spans.stream().filter(s -> s.name().equals("chat chat")).toList();
        assertThat(requests).hasSize(2);
        ReceivedSpan hit = requests.stream().filter(s -> "hit".equals(s.attribute("switchboard.cache")))
                .findFirst().orElseThrow();
        assertThat(childrenOf(spans, hit)).noneMatch(s -> s.kind() == SpanKind.SPAN_KIND_CLIENT);
    }

    @Test
    void aBlockedRequestIsAnErrorTraceThatItsErrorBodyNames() throws Exception {
        sidecar("compliance: { action: block }");
        HttpResponse<String> r = post(chat(false, "my card is 6222 0212 3456 7894"));
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(r.body()).path("error");
        assertThat(error.path("trace_id").asText()).isEqualTo(TRACE_ID);
        List<ReceivedSpan> spans = exported();
        ReceivedSpan server = named(spans, "POST /v1/chat/completions");
        assertThat(server.attributes()).containsEntry("http.response.status_code", 400L)
                .containsEntry("error.type", "sensitive_data_blocked");
        ReceivedSpan request = named(spans, "chat chat");
        assertThat(request.error()).isTrue();
        assertThat(request.attributes()).containsEntry("switchboard.compliance", "blocked")
                .containsEntry("switchboard.detected", List.of("bank-card"));
        assertThat(spans).noneMatch(s -> s.kind() == SpanKind.SPAN_KIND_CLIENT);
        assertThat(spans.toString()).doesNotContain("6222", "7894"); // no value, anywhere
    }
}
