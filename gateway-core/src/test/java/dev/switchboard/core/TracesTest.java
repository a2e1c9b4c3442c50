package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import dev.switchboard.testkit.RecordedRequest;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Traces on a real OpenTelemetry SDK: a span per request, a child span per step, a client span per attempt (retries,
 * fallbacks and hedges as siblings), GenAI and switchboard attributes, the trace passed on to the backends — and
 * never prompt text or a detected value.
 */
class TracesTest {
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";
    private static final String CARD = "6222 0212 3456 7894";

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private OpenTelemetrySdk otel;
    private MockModelServer hosted;
    private MockModelServer inhouse;
    private Gateway gateway;

    @BeforeEach
    void start() {
        otel = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans))
                        .build())
                .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
                        W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance())))
                .build();
        hosted = MockModelServer.start(MockModelOptions.builder().model("big").build());
        inhouse = MockModelServer.start(MockModelOptions.builder().model("small").build());
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        hosted.close();
        inhouse.close();
        otel.close();
    }

    private void gateway(String extra) {
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                backends:
                  - { name: inhouse-10b, base-url: "%s", model: small, residency: internal }
                  - { name: hosted-100b, base-url: "%s", model: big, residency: external }
                routes:
                  - name: chat
                    rules:
                      - use: [inhouse-10b, hosted-100b]
                resilience: { retry: { attempts: 1 } }
                %s
                """.formatted(inhouse.baseUrl(), hosted.baseUrl(), extra), "traces.yaml");
        gateway = Gateway.create(spec, GatewayOptions.defaults().withOpenTelemetry(otel));
    }

    private static GatewayRequest request(String body) {
        return new GatewayRequest(RequestView.chat(body), Map.of("traceparent", PARENT, "baggage", "team=payments"),
                "retail-app", null);
    }

    private static String chat(boolean stream, String text) {
        return "{\"model\":\"chat\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text
                + "\"}]}";
    }

    private SpanData requestSpan() {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("chat chat")).findFirst()
                .orElseThrow();
    }

    private List<SpanData> attempts() {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.CLIENT)
                .sorted(java.util.Comparator.comparing(s -> s.getAttributes().get(AttributeKey.longKey(
                        "switchboard.attempt")))).toList();
    }

    @Test
    void aFailoverIsOneRequestSpanWithAStepSpanEachAndTheAttemptsAsSiblingClientSpans() {
        gateway("");
        inhouse.options(inhouse.options().toBuilder().forcedStatus(500).build());
        GatewayResponse r = gateway.chat(request(chat(false, "hello")));
        assertThat(r.backend()).isEqualTo("hosted-100b");

        SpanData root = requestSpan();
        assertThat(root.getTraceId()).isEqualTo(TRACE_ID); // joined the caller's trace
        assertThat(root.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(root.getAttributes().asMap()).containsEntry(AttributeKey.stringKey("gen_ai.operation.name"), "chat")
                .containsEntry(AttributeKey.stringKey("gen_ai.request.model"), "chat")
                .containsEntry(AttributeKey.stringKey("gen_ai.response.model"), "big")
                .containsEntry(AttributeKey.stringKey("switchboard.route"), "chat")
                .containsEntry(AttributeKey.longKey("switchboard.rule"), (long) r.decision().ruleIndex())
                .containsEntry(AttributeKey.stringKey("switchboard.decision_id"), r.decision().id())
                .containsEntry(AttributeKey.stringKey("switchboard.backend"), "hosted-100b")
                .containsEntry(AttributeKey.stringKey("switchboard.cache"), "bypass")
                .containsEntry(AttributeKey.stringKey("switchboard.compliance"), "none")
                .containsEntry(AttributeKey.stringKey("switchboard.request_id"), r.requestId())
                .containsEntry(AttributeKey.longKey("gen_ai.usage.input_tokens"), (long) r.usage().promptTokens())
                .containsEntry(AttributeKey.longKey("gen_ai.usage.output_tokens"),
                        (long) r.usage().completionTokens())
                .containsEntry(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"), List.of("stop"));

        List<String> steps = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getParentSpanId().equals(root.getSpanId()) && s.getKind() == SpanKind.INTERNAL)
                .map(SpanData::getName).toList();
        assertThat(steps).containsExactlyInAnyOrder("switchboard.audit", "switchboard.compliance",
                "switchboard.rate-limit", "switchboard.cache", "switchboard.route", "switchboard.failover");

        List<SpanData> attempts = attempts();
        assertThat(attempts).hasSize(2).allSatisfy(a -> {
            assertThat(a.getParentSpanId()).isEqualTo(root.getSpanId()); // siblings under the request
            assertThat(a.getTraceId()).isEqualTo(TRACE_ID);
        });
        SpanData failed = attempts.get(0);
        assertThat(failed.getName()).isEqualTo("chat small");
        assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(failed.getAttributes().asMap()).containsEntry(AttributeKey.stringKey("error.type"), "status")
                .containsEntry(AttributeKey.longKey("http.response.status_code"), 500L)
                .containsEntry(AttributeKey.stringKey("switchboard.attempt.kind"), "first")
                .containsEntry(AttributeKey.stringKey("server.address"), "127.0.0.1")
                .containsEntry(AttributeKey.longKey("server.port"), (long) inhouse.port());
        SpanData served = attempts.get(1);
        assertThat(served.getName()).isEqualTo("chat big");
        assertThat(served.getAttributes().asMap())
                .containsEntry(AttributeKey.stringKey("switchboard.attempt.kind"), "fallback")
                .containsEntry(AttributeKey.stringKey("switchboard.attempt.outcome"), "ok")
                .containsEntry(AttributeKey.longKey("gen_ai.usage.output_tokens"), (long) r.usage().completionTokens());
        // Each attempt's own steps hang below it.
        assertThat(spans.getFinishedSpanItems()).filteredOn(s -> s.getParentSpanId().equals(served.getSpanId()))
                .extracting(SpanData::getName).contains("switchboard.admission", "switchboard.backend");

        // The trace goes on to the model servers: the in-house one gets the caller's baggage too, the external one
        // only the trace's ids.
        RecordedRequest in = inhouse.requests().get(0);
        assertThat(in.header("traceparent")).isEqualTo("00-" + TRACE_ID + "-" + failed.getSpanId() + "-01");
        assertThat(in.header("baggage")).isEqualTo("team=payments");
        RecordedRequest out = hosted.requests().get(0);
        assertThat(out.header("traceparent")).isEqualTo("00-" + TRACE_ID + "-" + served.getSpanId() + "-01");
        assertThat(out.header("baggage")).isNull();
        assertThat(out.header("tracestate")).isNull();
    }

    @Test
    void theAuditRecordNamesTheTrace(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path log = dir.resolve("audit.jsonl");
        gateway("audit: { path: \"" + log + "\" }");
        gateway.chat(request(chat(false, "hello")));
        gateway.close();
        gateway = null;
        String line = java.nio.file.Files.readAllLines(log).get(0);
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line).get("trace_id").asText())
                .isEqualTo(TRACE_ID).isEqualTo(requestSpan().getTraceId());
    }

    @Test
    void aStreamsSpanEndsWithTheStreamAndCarriesItsTokensAndFinishReason() throws Exception {
        gateway("");
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Usage> usage = new AtomicReference<>();
        gateway.chatStream(request(chat(true, "hello")), new StreamListener() {
            @Override
            public void onStart(dev.switchboard.core.routing.RoutingDecision d, String backend) {
            }

            @Override
            public void onEvent(String chunkJson) {
            }

            @Override
            public void onComplete(Usage u, String finishReason) {
                usage.set(u);
                done.countDown();
            }

            @Override
            public void onError(GatewayException e, boolean started) {
                done.countDown();
            }
        });
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        SpanData root = requestSpan();
        assertThat(root.getAttributes().asMap()).containsEntry(AttributeKey.stringKey("switchboard.backend"),
                "inhouse-10b").containsEntry(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"),
                List.of("stop"));
        assertThat(usage.get().known()).isTrue();
        assertThat(root.getAttributes().get(AttributeKey.longKey("gen_ai.usage.output_tokens")))
                .isEqualTo((long) usage.get().completionTokens());
        assertThat(attempts()).singleElement().satisfies(a -> assertThat(a.getName()).isEqualTo("chat small"));
    }

    @Test
    void aCacheHitHasNoAttempt() {
        gateway("cache: { enabled: true, ttl: 5m }");
        String body = "{\"model\":\"chat\",\"temperature\":0,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"what is a swift code\"}]}"; // deterministic: cacheable
        gateway.chat(request(body));
        spans.reset();
        GatewayResponse again = gateway.chat(request(body));
        assertThat(again.cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.HIT);
        assertThat(requestSpan().getAttributes().get(AttributeKey.stringKey("switchboard.cache"))).isEqualTo("hit");
        assertThat(attempts()).isEmpty();
    }

    @Test
    void aBlockedRequestIsAnErrorSpanThatNamesTheKindsAndNeverTheValue() {
        gateway("compliance: { action: block }");
        assertThatThrownBy(() -> gateway.chat(request(chat(false, "my card is " + CARD))))
                .isInstanceOf(GatewayException.class);
        SpanData root = requestSpan();
        assertThat(root.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(root.getAttributes().asMap())
                .containsEntry(AttributeKey.stringKey("error.type"), "sensitive_data_blocked")
                .containsEntry(AttributeKey.stringKey("switchboard.compliance"), "blocked")
                .containsEntry(AttributeKey.stringArrayKey("switchboard.detected"), List.of("bank-card"));
        assertThat(attempts()).isEmpty();
        assertNoSpanHolds("6222", "7894", "my card");
    }

    @Test
    void customerDataKeptInternalIsTracedWithoutItsValue() {
        gateway("");
        GatewayResponse r = gateway.chat(request(chat(false, "my card is " + CARD)));
        assertThat(r.backend()).isEqualTo("inhouse-10b");
        assertThat(requestSpan().getAttributes().get(AttributeKey.stringKey("switchboard.compliance")))
                .isEqualTo("route-internal");
        assertNoSpanHolds("6222", "7894", "my card");
    }

    @Test
    void anUpstreamsErrorTextStaysOutOfTheSpans() {
        gateway("");
        inhouse.options(inhouse.options().toBuilder().forcedStatus(400).build());
        assertThatThrownBy(() -> gateway.chat(request(chat(false, "hello")))).isInstanceOf(GatewayException.class);
        assertThat(requestSpan().getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(attempts()).singleElement().satisfies(a -> assertThat(a.getAttributes()
                .get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(400L));
        assertNoSpanHolds("simulated failure"); // what the backend said, which may quote the prompt
    }

    @Test
    void aNoOpInstanceAddsNoStepAndNoSpan() {
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                backends: [ { name: inhouse-10b, base-url: "%s", model: small, residency: internal } ]
                routes: [ { name: chat, rules: [ { use: [inhouse-10b] } ] } ]
                """.formatted(inhouse.baseUrl()), "noop.yaml");
        // Propagators but no SDK: what GlobalOpenTelemetry gives an application that installed none.
        io.opentelemetry.api.OpenTelemetry propagating = io.opentelemetry.api.OpenTelemetry.propagating(
                ContextPropagators.create(W3CTraceContextPropagator.getInstance()));
        try (Gateway plain = Gateway.create(spec, GatewayOptions.defaults().withOpenTelemetry(propagating))) {
            assertThat(plain.chain()).doesNotContain("trace");
            plain.chat(request(chat(false, "hello")));
            assertThat(inhouse.requests().get(0).header("traceparent")).isNull();
        }
        gateway("");
        assertThat(gateway.chain()).startsWith("trace");
    }

    @Test
    void anUnsampledRequestRecordsNoSpanButStillPassesTheTraceOn() {
        OpenTelemetrySdk unsampled = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().setSampler(
                        io.opentelemetry.sdk.trace.samplers.Sampler.alwaysOff())
                        .addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                backends: [ { name: inhouse-10b, base-url: "%s", model: small, residency: internal } ]
                routes: [ { name: chat, rules: [ { use: [inhouse-10b] } ] } ]
                """.formatted(inhouse.baseUrl()), "unsampled.yaml");
        try (unsampled; Gateway g = Gateway.create(spec, GatewayOptions.defaults().withOpenTelemetry(unsampled))) {
            g.chat(new GatewayRequest(RequestView.chat(chat(false, "hello")), Map.of(), null, null));
        }
        assertThat(spans.getFinishedSpanItems()).isEmpty();
        String traceparent = inhouse.requests().get(0).header("traceparent");
        assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
        assertThat(Integer.parseInt(traceparent.substring(53), 16) & 1).as("sampled flag").isZero();
    }

    @Test
    void theTransportStartsItsCallInTheAttemptsContextWithoutBaggageForAnExternalBackend() {
        Map<String, String> seen = new java.util.concurrent.ConcurrentHashMap<>();
        dev.switchboard.core.backend.BackendFactory watching = (spec, http) -> {
            dev.switchboard.core.backend.Backend real = dev.switchboard.core.backend.BackendFactory.OKHTTP
                    .create(spec, http);
            return new dev.switchboard.core.backend.Backend() {
                @Override
                public dev.switchboard.core.config.BackendSpec spec() {
                    return spec;
                }

                @Override
                public java.util.concurrent.CompletableFuture<dev.switchboard.core.backend.UpstreamReply> send(
                        Operation operation, byte[] body) {
                    throw new AssertionError("the gateway calls the overload with headers");
                }

                @Override
                public java.util.concurrent.CompletableFuture<dev.switchboard.core.backend.UpstreamReply> send(
                        Operation operation, byte[] body, Map<String, String> headers) {
                    // What an agent's OkHttp instrumentation would read.
                    seen.put(spec.name(), io.opentelemetry.api.trace.Span.current().getSpanContext().getSpanId()
                            + " baggage=" + new java.util.TreeSet<>(io.opentelemetry.api.baggage.Baggage.current().asMap().keySet()));
                    return real.send(operation, body, headers);
                }

                @Override
                public dev.switchboard.core.backend.UpstreamStream stream(byte[] body, boolean usage,
                        dev.switchboard.core.backend.StreamSink sink) {
                    return real.stream(body, usage, sink);
                }
            };
        };
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                backends:
                  - { name: inhouse-10b, base-url: "%s", model: small, residency: internal }
                  - { name: hosted-100b, base-url: "%s", model: big, residency: external }
                routes: [ { name: chat, rules: [ { use: [inhouse-10b, hosted-100b] } ] } ]
                resilience: { retry: { attempts: 1 } }
                """.formatted(inhouse.baseUrl(), hosted.baseUrl()), "watch.yaml");
        inhouse.options(inhouse.options().toBuilder().forcedStatus(500).build());
        try (Gateway g = Gateway.create(spec, GatewayOptions.defaults().withOpenTelemetry(otel)
                .withBackends(watching))) {
            g.chat(request(chat(false, "hello")));
        }
        List<SpanData> attempts = attempts();
        assertThat(seen).containsEntry("inhouse-10b", attempts.get(0).getSpanId() + " baggage=[team]")
                .containsEntry("hosted-100b", attempts.get(1).getSpanId() + " baggage=[]");
    }

    private void assertNoSpanHolds(String... fragments) {
        for (SpanData s : spans.getFinishedSpanItems()) {
            // Without the random ids (req_..., dec_...): their hex digits hold any short run of digits now and then.
            String all = (s.getName() + " " + s.getAttributes() + " " + s.getStatus() + " " + s.getEvents())
                    .replaceAll("\\b[a-z]+_[0-9a-f]{32}\\b", "<id>");
            for (String f : fragments) {
                assertThat(all).as("span %s", s.getName()).doesNotContain(f);
            }
        }
    }
}
