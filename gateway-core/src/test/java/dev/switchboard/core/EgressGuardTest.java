package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.backend.Backend;
import dev.switchboard.core.backend.BackendFactory;
import dev.switchboard.core.backend.OpenAiBackend;
import dev.switchboard.core.backend.StreamSink;
import dev.switchboard.core.backend.UpstreamFailure;
import dev.switchboard.core.backend.UpstreamHttp;
import dev.switchboard.core.backend.UpstreamReply;
import dev.switchboard.core.backend.UpstreamStream;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.config.ComplianceSpec;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.core.internal.backend.GuardedBackend;
import dev.switchboard.core.internal.compliance.EgressGuard;
import dev.switchboard.core.internal.compliance.SensitiveDataScanner;
import dev.switchboard.core.resilience.BreakerState;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The egress guard at the transport boundary: no byte of a refused body is sent, and the request fails over. */
class EgressGuardTest {
    private static final String CARD_BODY = "{\"model\":\"big\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
            + "\"x_notes\":\"card 6222 0212 3456 7894\"}";
    private static final String CLEAN_BODY = "{\"model\":\"big\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private MockModelServer external;
    private MockModelServer internal;

    @BeforeEach
    void start() {
        external = MockModelServer.start(MockModelOptions.builder().model("big").build());
        internal = MockModelServer.start(MockModelOptions.builder().model("small").build());
    }

    @AfterEach
    void stop() {
        external.close();
        internal.close();
    }

    private GatewaySpec spec(String routeUse) {
        return ConfigLoader.withEnv(k -> null).parse("""
                backends:
                  - { name: hosted-100b, base-url: "%s", model: big, residency: external }
                  - { name: inhouse-10b, base-url: "%s", model: small, residency: internal }
                routes:
                  - name: chat
                    rules:
                      - use: %s
                resilience: { retry: { attempts: 2 } }
                """.formatted(external.baseUrl(), internal.baseUrl(), routeUse), "guard.yaml");
    }

    /**
     * A config whose external backend's model name holds a mobile number: the client's body is clean, the body that
     * would leave is not — what only the egress guard sees. whether the route has the in-house
     * fallback ({@code withInternal}); {@code detectors}: the compliance detectors.
     */
    private GatewaySpec modelNameLeaks(boolean withInternal, String detectors) {
        return ConfigLoader.withEnv(k -> null).parse("""
                backends:
                  - { name: hosted-100b, base-url: "%s", model: "acct-13800138000", residency: external }
                  - { name: inhouse-10b, base-url: "%s", model: small, residency: internal }
                routes:
                  - name: chat
                    rules:
                      - use: %s
                compliance: { detectors: [%s] }
                """.formatted(external.baseUrl(), internal.baseUrl(), withInternal ? "[hosted-100b, inhouse-10b]"
                : "[hosted-100b]", detectors), "guard.yaml");
    }

    @Test
    void aRefusedBodyNeverReachesTheTransportOnCallsOrStreams() throws Exception {
        GatewaySpec spec = spec("[hosted-100b]");
        BackendSpec hosted = spec.backends().get(0);
        List<String> refusals = new CopyOnWriteArrayList<>();
        try (UpstreamHttp http = new UpstreamHttp(spec.backends(), java.time.Clock.systemUTC(), System::nanoTime)) {
            Backend guarded = new GuardedBackend(new OpenAiBackend(hosted, http),
                    new EgressGuard(SensitiveDataScanner.builtIn(), ComplianceSpec.Media.ALLOW), () -> null,
                    (b, found) -> refusals.add(b + " " + found.describe()));
            CompletableFuture<UpstreamReply> call = guarded.send(Operation.CHAT, CARD_BODY.getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(call::join).isInstanceOf(CompletionException.class).cause()
                    .isInstanceOfSatisfying(UpstreamFailure.class, f -> {
                        assertThat(f.kind()).isEqualTo(UpstreamFailure.Kind.EGRESS_REFUSED);
                        assertThat(f.retryable()).isFalse();
                        assertThat(f.countsAgainstBackend()).isFalse();
                        assertThat(f.getMessage()).contains("bank-card").doesNotContain("6222");
                    });
            AtomicReference<UpstreamFailure> streamed = new AtomicReference<>();
            guarded.stream(CARD_BODY.replace("\"model\":\"big\"", "\"model\":\"big\",\"stream\":true")
                    .getBytes(StandardCharsets.UTF_8), false, failureSink(streamed));
            assertThat(streamed.get().kind()).isEqualTo(UpstreamFailure.Kind.EGRESS_REFUSED);
            assertThat(external.requests()).isEmpty();
            assertThat(refusals).containsExactly("hosted-100b bank-card (1)", "hosted-100b bank-card (1)");

            UpstreamReply ok = guarded.send(Operation.CHAT, CLEAN_BODY.getBytes(StandardCharsets.UTF_8))
                    .get(10, TimeUnit.SECONDS);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(external.requests()).hasSize(1);
        }
    }

    @Test
    void theLibrarysTransportWritesABodyInPiecesAsItsJoinedBytes() throws Exception {
        GatewaySpec spec = spec("[hosted-100b]");
        byte[] client = CLEAN_BODY.getBytes(StandardCharsets.UTF_8);
        int model = CLEAN_BODY.indexOf("\"big\"");
        byte[] renamed = "\"renamed\"".getBytes(StandardCharsets.UTF_8);
        dev.switchboard.core.backend.UpstreamBody pieces = dev.switchboard.core.backend.UpstreamBody.of(
                dev.switchboard.core.backend.UpstreamBody.Piece.range(client, 0, model),
                dev.switchboard.core.backend.UpstreamBody.Piece.of(renamed),
                dev.switchboard.core.backend.UpstreamBody.Piece.range(client, model + 5, client.length));
        String joined = new String(pieces.toBytes(), StandardCharsets.UTF_8);
        try (UpstreamHttp http = new UpstreamHttp(spec.backends(), java.time.Clock.systemUTC(), System::nanoTime)) {
            Backend okhttp = new OpenAiBackend(spec.backends().get(0), http);
            assertThat(okhttp.send(Operation.CHAT, pieces, java.util.Map.of()).get(10, TimeUnit.SECONDS).status())
                    .isEqualTo(200);
            AtomicReference<UpstreamFailure> failed = new AtomicReference<>();
            okhttp.stream(pieces, false, failureSink(failed), java.util.Map.of());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (external.requests().size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }
        assertThat(external.requests()).hasSize(2).allSatisfy(r -> assertThat(r.body()).isEqualTo(joined));
    }

    @Test
    void aBodyInPiecesIsGuardedAndTheTransportGetsTheBytesTheGuardRead() throws Exception {
        GatewaySpec spec = spec("[hosted-100b]");
        BackendSpec hosted = spec.backends().get(0);
        AtomicReference<byte[]> handed = new AtomicReference<>();
        Backend transport = recording(hosted, handed::set, null);
        Backend guarded = new GuardedBackend(transport,
                new EgressGuard(SensitiveDataScanner.builtIn(), ComplianceSpec.Media.ALLOW), () -> null, (b, found) -> { });
        // The card lies in the last piece only, the client's clean bytes before it: every piece is read.
        byte[] client = CLEAN_BODY.getBytes(StandardCharsets.UTF_8);
        byte[] rest = ",\"y\":\"6222 0212 3456 7894\"}".getBytes(StandardCharsets.UTF_8);
        dev.switchboard.core.backend.UpstreamBody split = dev.switchboard.core.backend.UpstreamBody.of(
                dev.switchboard.core.backend.UpstreamBody.Piece.range(client, 0, client.length - 1),
                dev.switchboard.core.backend.UpstreamBody.Piece.of(rest));
        assertThat(RequestView.chat(split.toBytes()).tree().get("y").asText()).isEqualTo("6222 0212 3456 7894");
        AtomicReference<UpstreamFailure> streamed = new AtomicReference<>();
        guarded.stream(split, false, failureSink(streamed), java.util.Map.of());
        assertThat(streamed.get().kind()).isEqualTo(UpstreamFailure.Kind.EGRESS_REFUSED);
        assertThatThrownBy(() -> guarded.send(Operation.CHAT, split, java.util.Map.of()).join())
                .cause().isInstanceOfSatisfying(UpstreamFailure.class,
                        f -> assertThat(f.kind()).isEqualTo(UpstreamFailure.Kind.EGRESS_REFUSED));
        assertThat(handed.get()).isNull();

        // A clean body in pieces: the transport is given one array, the very bytes the guard read (a change to the
        // pieces' arrays after the check cannot reach it).
        byte[] clean = CLEAN_BODY.getBytes(StandardCharsets.UTF_8);
        dev.switchboard.core.backend.UpstreamBody pieces = dev.switchboard.core.backend.UpstreamBody.of(
                dev.switchboard.core.backend.UpstreamBody.Piece.range(clean, 0, 5),
                dev.switchboard.core.backend.UpstreamBody.Piece.range(clean, 5, clean.length));
        guarded.send(Operation.CHAT, pieces, java.util.Map.of());
        assertThat(handed.get()).isEqualTo(clean).isNotSameAs(clean);
    }

    @Test
    void afterAReloadABackendOfTheOldConfigIsHeldToTheNewDetectorsToo() {
        GatewaySpec spec = spec("[hosted-100b]");
        BackendSpec hosted = spec.backends().get(0);
        AtomicReference<byte[]> handed = new AtomicReference<>();
        EgressGuard old = new EgressGuard(SensitiveDataScanner.builtIn(), ComplianceSpec.Media.ALLOW);
        AtomicReference<EgressGuard> newest = new AtomicReference<>(old);
        Backend guarded = new GuardedBackend(recording(hosted, handed::set, null), old, newest::get, (b, found) -> { });
        byte[] employee = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"EMP123456 asks\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        guarded.send(Operation.CHAT, employee, java.util.Map.of());
        assertThat(handed.getAndSet(null)).isEqualTo(employee); // no detector knows the shape yet
        // A reload adds a custom pattern: a retry of a request admitted before it is refused all the same.
        newest.set(new EgressGuard(new SensitiveDataScanner(dev.switchboard.core.compliance.Detectors.BUILT_IN,
                List.of(new dev.switchboard.core.compliance.CustomPattern("employee-id",
                        java.util.regex.Pattern.compile("EMP\\d{6}"))), List.of()), ComplianceSpec.Media.ALLOW));
        assertThatThrownBy(() -> guarded.send(Operation.CHAT, employee, java.util.Map.of()).join()).cause()
                .isInstanceOfSatisfying(UpstreamFailure.class,
                        f -> assertThat(f.kind()).isEqualTo(UpstreamFailure.Kind.EGRESS_REFUSED));
        assertThat(handed.get()).isNull();
        // And its own config's detectors still hold, whatever the newest dropped.
        newest.set(new EgressGuard(new SensitiveDataScanner(java.util.Set.of(), List.of(), List.of()),
                ComplianceSpec.Media.ALLOW));
        assertThatThrownBy(() -> guarded.send(Operation.CHAT, CARD_BODY.getBytes(StandardCharsets.UTF_8),
                java.util.Map.of()).join()).cause().isInstanceOf(UpstreamFailure.class);
        assertThat(handed.get()).isNull();
    }

    /** A transport that notes each body it is handed, then passes it to {@code real} (or leaves it unanswered). */
    private static Backend recording(BackendSpec spec, java.util.function.Consumer<byte[]> handed, Backend real) {
        return new Backend() {
            @Override
            public BackendSpec spec() {
                return spec;
            }

            @Override
            public CompletableFuture<UpstreamReply> send(Operation operation, byte[] body) {
                handed.accept(body);
                return real == null ? new CompletableFuture<>() : real.send(operation, body);
            }

            @Override
            public UpstreamStream stream(byte[] body, boolean usage, StreamSink sink) {
                handed.accept(body);
                return real == null ? () -> { } : real.stream(body, usage, sink);
            }
        };
    }

    @Test
    void bytesThatAreNotJsonAreReadAsText() {
        EgressGuard guard = new EgressGuard(SensitiveDataScanner.builtIn(), ComplianceSpec.Media.ALLOW);
        assertThat(guard.check("not json: card 6222021234567894".getBytes(StandardCharsets.UTF_8)).kinds())
                .containsExactly("bank-card");
        assertThat(guard.check("{\"truncated\": \"6222 0212 3456 7894".getBytes(StandardCharsets.UTF_8)).kinds())
                .containsExactly("bank-card");
        assertThat(guard.check(CLEAN_BODY.getBytes(StandardCharsets.UTF_8))).isEqualTo(Assessment.CLEAN);
    }

    @Test
    void mediaLeaveOnlyWhenTheConfigAllowsThem() {
        EgressGuard keep = new EgressGuard(SensitiveDataScanner.builtIn(), ComplianceSpec.Media.INTERNAL);
        EgressGuard allow = new EgressGuard(SensitiveDataScanner.builtIn(), ComplianceSpec.Media.ALLOW);
        for (String body : dev.switchboard.core.internal.compliance.ComplianceTest.mediaBodies()) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            assertThat(keep.check(bytes).kinds()).as(body).containsExactly(Assessment.MEDIA);
            assertThat(allow.check(bytes)).as(body).isEqualTo(Assessment.CLEAN);
        }
    }

    /**
     * Whatever made the backend, the gateway puts it behind the guard: here a factory whose external backend would
     * send anything it is given. A refusal is an attempt of its own, the breaker does not count it, and the request
     * fails over to the internal backend; with no internal backend it is a 503.
     */
    @Test
    void theGatewayGuardsBackendsOfAnyFactoryAndFailsOverOnARefusal() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        List<byte[]> sentOut = new CopyOnWriteArrayList<>();
        BackendFactory leaky = (spec, http) -> {
            Backend real = BackendFactory.OKHTTP.create(spec, http);
            return recording(spec, sentOut::add, real);
        };
        GatewayOptions options = GatewayOptions.defaults().withMeters(meters).withBackends(leaky);
        // The early scan sees the card too, so route-internal never offers the external backend: to reach the
        // guard, the gateway must be asked to send it there anyway — by a body the early scan reads as clean but
        // that changes on the way out. The model rewrite is such a change: the external backend's model name holds
        // a number the detectors know.
        GatewaySpec spec = modelNameLeaks(true, "cn-mobile");
        try (Gateway gateway = Gateway.create(spec, options)) {
            GatewayResponse r = gateway.chat(GatewayRequest.chat(CLEAN_BODY.replace("big", "chat")));
            assertThat(r.backend()).isEqualTo("inhouse-10b");
            assertThat(r.steps().get(0).outcome()).isEqualTo(Attempt.Outcome.REFUSED);
            assertThat(r.steps().get(0).failure())
                    .hasValue(dev.switchboard.core.backend.UpstreamFailure.Kind.EGRESS_REFUSED);
            assertThat(r.steps().get(0).detail()).contains("cn-mobile");
            assertThat(r.steps().get(0).called()).isFalse();
            assertThat(sentOut).hasSize(1); // only the internal call reached a transport
            assertThat(external.requests()).isEmpty();
            assertThat(gateway.backend("hosted-100b").orElseThrow().breaker().state()).isNotEqualTo(BreakerState.OPEN);
            assertThat(meters.get("switchboard.egress.refusals").tag("backend", "hosted-100b")
                    .tag("kind", "cn-mobile").counter().count()).isEqualTo(1.0);
        }
        GatewaySpec externalOnly = modelNameLeaks(false, "cn-mobile");
        try (Gateway gateway = Gateway.create(externalOnly, GatewayOptions.defaults().withBackends(leaky))) {
            assertThatThrownBy(() -> gateway.chat(GatewayRequest.chat(CLEAN_BODY.replace("big", "chat"))))
                    .isInstanceOfSatisfying(GatewayException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
                        assertThat(e.getMessage()).contains("egress guard").contains("never sent outside");
                    });
            assertThat(external.requests()).isEmpty();
        }
    }

    /**
     * Under {@code mask}, a masked body the guard refuses is followed by the internal backend's answer, which got the
     * body as sent: the audit says so, not "masked".
     */
    @Test
    void theAuditSaysWhatTheAnsweringBackendGot(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path audit = dir.resolve("audit.jsonl");
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                backends:
                  - { name: hosted-100b, base-url: "%s", model: "acct-13800138000", residency: external }
                  - { name: inhouse-10b, base-url: "%s", model: small, residency: internal }
                routes:
                  - name: chat
                    rules:
                      - use: [hosted-100b, inhouse-10b]
                compliance: { action: mask }
                audit: { path: "%s" }
                """.formatted(external.baseUrl(), internal.baseUrl(), audit.toString().replace("\\", "/")),
                "guard.yaml");
        try (Gateway gateway = Gateway.create(spec, GatewayOptions.defaults())) {
            GatewayResponse r = gateway.chat(GatewayRequest.chat(CARD_BODY.replace("big", "chat")));
            assertThat(r.backend()).isEqualTo("inhouse-10b");
        }
        String line = java.nio.file.Files.readAllLines(audit).get(0);
        assertThat(line).contains("\"compliance\":\"internal-unmasked\"").doesNotContain("6222");
        assertThat(external.requests()).isEmpty();
    }

    /** A reload guards the backends it keeps again, under the new config's detectors. */
    @Test
    void aReloadGuardsKeptBackendsWithTheNewDetectors() throws Exception {
        GatewaySpec emailOnly = modelNameLeaks(true, "email");
        GatewaySpec all = modelNameLeaks(true, "email, cn-mobile");
        Gateway first = Gateway.create(emailOnly, GatewayOptions.defaults());
        Gateway second = null;
        try {
            assertThat(first.chat(GatewayRequest.chat(CLEAN_BODY.replace("big", "chat"))).backend())
                    .isEqualTo("hosted-100b");
            second = first.reconfigure(all);
            GatewayResponse r = second.chat(GatewayRequest.chat(CLEAN_BODY.replace("big", "chat")));
            assertThat(r.backend()).isEqualTo("inhouse-10b");
            assertThat(r.steps().get(0).outcome()).isEqualTo(Attempt.Outcome.REFUSED);
            assertThat(external.requests()).hasSize(1);
        } finally {
            (second != null ? second : first).close();
        }
    }

    /** A stream refused by the guard fails over before its first byte, and a cancel reaches the stream that runs. */
    @Test
    void aRefusedStreamFailsOverToTheInternalBackend() throws Exception {
        GatewaySpec spec = modelNameLeaks(true, "cn-mobile");
        try (Gateway gateway = Gateway.create(spec, GatewayOptions.defaults())) {
            java.util.concurrent.CompletableFuture<String> done = new java.util.concurrent.CompletableFuture<>();
            AtomicReference<String> backend = new AtomicReference<>();
            gateway.chatStream(GatewayRequest.chat(CLEAN_BODY.replace("big", "chat").replace("{\"model\"",
                    "{\"stream\":true,\"model\"")), new StreamListener() {
                        @Override
                        public void onStart(dev.switchboard.core.routing.RoutingDecision d, String b) {
                            backend.set(b);
                        }

                        @Override
                        public void onEvent(String data) {
                        }

                        @Override
                        public void onComplete(Usage usage, String finishReason) {
                            done.complete(finishReason);
                        }

                        @Override
                        public void onError(GatewayException e, boolean started) {
                            done.completeExceptionally(e);
                        }
                    });
            assertThat(done.get(10, TimeUnit.SECONDS)).isNotNull();
            assertThat(backend.get()).isEqualTo("inhouse-10b");
            assertThat(external.requests()).isEmpty();
            assertThat(internal.requests()).hasSize(1);
        }
    }

    private static StreamSink failureSink(AtomicReference<UpstreamFailure> failure) {
        return new StreamSink() {
            @Override
            public void onEvent(String data) {
            }

            @Override
            public void onDone(Usage usage, String finishReason) {
            }

            @Override
            public void onFailure(UpstreamFailure f, int delivered) {
                failure.set(f);
            }
        };
    }
}
