package dev.switchboard.server.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.server.http.SwitchboardServer;
import dev.switchboard.testkit.LeakRecordingDetector;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import dev.switchboard.testkit.RecordedRequest;
import io.netty.channel.EventLoopGroup;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sidecar's Netty transport for non-streamed calls, against the testkit's model server on real ports: pooled
 * keep-alive connections, the same classification of failures as the OkHttp backend (so failover, retries and
 * errors behave alike), and no leaked buffers.
 */
class NettyUpstreamTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private MockModelServer inhouse;
    private MockModelServer slow;
    private EventLoopGroup workers;
    private NettyUpstream upstream;
    private Gateway gateway;
    private SwitchboardServer server;
    private int closedPort;
    /** Bound, never listening: connections to its port are refused, and no server started later can take it. */
    private java.net.Socket holdsClosedPort;

    @BeforeEach
    void start() throws Exception {
        inhouse = MockModelServer.start(MockModelOptions.builder().model("small").responseTokens(8).build());
        slow = MockModelServer.start(MockModelOptions.builder().model("slow").firstTokenDelay(Duration.ofSeconds(2))
                .build());
        // A port freed by closing a listener could be handed to the sidecar's own sockets bound next (a 404 once).
        holdsClosedPort = new java.net.Socket();
        holdsClosedPort.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
        closedPort = holdsClosedPort.getLocalPort();
        GatewaySpec spec = ConfigLoader.withEnv(n -> null).parse("""
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                backends:
                  - { name: inhouse, base-url: %s, model: small, residency: internal, api-key: sk-upstream-key,
                      limits: { idle-timeout: 1s } }
                  - { name: gone, base-url: "http://127.0.0.1:%d/v1", model: x, residency: internal,
                      limits: { connect-timeout: 1s } }
                  - { name: slow, base-url: %s, model: slow, residency: internal,
                      limits: { total-timeout: 300ms, first-token-timeout: 150ms } }
                routes:
                  - { name: chat, rules: [ { use: [inhouse] } ] }
                  - { name: failover, rules: [ { use: [gone, inhouse], strategy: priority } ] }
                  - { name: slow, rules: [ { use: [slow] } ] }
                  - { name: slow-then-inhouse, rules: [ { use: [slow, inhouse], strategy: priority } ] }
                  - { name: only-gone, rules: [ { use: [gone] } ] }
                resilience: { retry: { attempts: 1 } }
                """.formatted(inhouse.baseUrl(), closedPort, slow.baseUrl()), "test");
        workers = SwitchboardServer.newWorkers();
        upstream = new NettyUpstream(workers);
        gateway = Gateway.create(spec, GatewayOptions.defaults().withBackends(upstream));
        Gateway served = gateway;
        server = SwitchboardServer.start(spec.server(), () -> served, workers);
    }

    @AfterEach
    void stop() throws java.io.IOException {
        holdsClosedPort.close();
        server.close();
        gateway.close();
        inhouse.close();
        slow.close();
        LeakRecordingDetector.assertNoLeaks();
    }

    /** The pool of the in-house model's connections of one kind. */
    private String pool(String kind) {
        return "http://127.0.0.1:" + URI.create(inhouse.baseUrl()).getPort() + " " + kind;
    }

    private HttpResponse<String> chat(String model) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"temperature\":0.50,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A stream's listener that hands each event to {@code events} and settles {@code done} with its end. */
    private static dev.switchboard.core.StreamListener completing(
            java.util.concurrent.CompletableFuture<dev.switchboard.core.Usage> done,
            java.util.function.Consumer<String> events) {
        return new dev.switchboard.core.StreamListener() {
            @Override
            public void onStart(dev.switchboard.core.routing.RoutingDecision d, String backend) {
            }

            @Override
            public void onEvent(String data) {
                events.accept(data);
            }

            @Override
            public void onComplete(dev.switchboard.core.Usage usage, String finishReason) {
                done.complete(usage);
            }

            @Override
            public void onError(dev.switchboard.core.GatewayException error, boolean started) {
                done.completeExceptionally(error);
            }
        };
    }

    /** What a raw backend writes once it has read the request. */
    private interface RawAnswer {
        void write(java.io.OutputStream out) throws Exception;
    }

    /** Serves one connection on {@code socket}: reads the request, then lets {@code answer} write. */
    private static void serveOnce(ServerSocket socket, RawAnswer answer) {
        Thread t = new Thread(() -> {
            try (java.net.Socket s = socket.accept()) {
                s.setTcpNoDelay(true);
                s.getInputStream().read(new byte[64 * 1024]);
                answer.write(s.getOutputStream());
            } catch (Exception ignored) {
                // the test fails on what the gateway did with the answer, not here
            }
        });
        t.setDaemon(true);
        t.start();
    }

    /** A gateway whose one route goes to the raw backend on {@code port}, over this test's upstream, no retries. */
    private Gateway gatewayOn(String name, int port) {
        GatewaySpec spec = ConfigLoader.withEnv(n -> null).parse(("backends:\n"
                + "  - { name: %1$s, base-url: \"http://127.0.0.1:%2$d/v1\", model: x, residency: internal }\n"
                + "routes:\n  - { name: chat, rules: [ { use: [%1$s] } ] }\n"
                + "resilience: { retry: { attempts: 1 } }\n").formatted(name, port), "test");
        return Gateway.create(spec, GatewayOptions.defaults().withBackends(upstream));
    }

    @Test
    void callsGoOutOnPooledKeepAliveConnections() throws Exception {
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = chat("chat");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).at("/choices/0/message/content").asText()).isNotEmpty();
        }
        // One connection per event loop at most, kept for the next call.
        assertThat(upstream.idleConnections(pool("calls"))).isBetween(1, 2);
        RecordedRequest sent = inhouse.requests().get(0);
        assertThat(sent.path()).isEqualTo("/v1/chat/completions");
        assertThat(sent.headers()).containsEntry("authorization", "Bearer sk-upstream-key")
                .containsEntry("content-type", "application/json");
        // The client's bytes, with only the model replaced.
        assertThat(sent.body()).isEqualTo("{\"model\":\"small\",\"temperature\":0.50,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
    }

    @Test
    void anUnreachableBackendIsAConnectFailureAndTheNextCandidateAnswers() throws Exception {
        HttpResponse<String> r = chat("failover");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-switchboard-backend")).hasValue("inhouse");
        assertThat(r.headers().firstValue("x-switchboard-attempts")).hasValue("2");
        // Classified as the OkHttp backend does: a connect failure, counted against the backend.
        assertThat(gateway.meters().get("switchboard.upstream.failures").tag("backend", "gone")
                .tag("kind", "connect").counter().count()).isEqualTo(1);
    }

    @Test
    void anErrorBodyNamesTheBackendButNeverItsAddress() throws Exception {
        HttpResponse<String> r = chat("only-gone");
        assertThat(r.statusCode()).isEqualTo(503);
        String message = JSON.readTree(r.body()).at("/error/message").asText();
        assertThat(message).contains("'gone'").doesNotContain("127.0.0.1").doesNotContain(Integer.toString(closedPort))
                .doesNotContainIgnoringCase("connection refused");
    }

    @Test
    void aSlowBackendFailsAtItsTotalTimeout() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = chat("slow");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(r.statusCode()).isIn(502, 504);
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertThat(error.get("message").asText()).contains("did not answer within its total time of 300 ms");
    }

    private HttpResponse<String> stream(String model, boolean usage) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"stream\":true,"
                        + (usage ? "\"stream_options\":{\"include_usage\":true}," : "")
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static long events(String sse) {
        return sse.lines().filter(l -> l.startsWith("data: {") && !l.startsWith("data: {\"error\"")).count();
    }

    @Test
    void streamsAreRelayedEventByEventOverPooledConnections() throws Exception {
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = stream("chat", i % 2 == 0);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).endsWith("data: [DONE]\n\n");
            // 8 tokens, the finish chunk, and the usage chunk only when the client asked for it.
            assertThat(events(r.body())).isEqualTo(i % 2 == 0 ? 10 : 9);
            assertThat(r.body().contains("\"usage\"")).isEqualTo(i % 2 == 0);
        }
        // The gateway asked the upstream for usage every time, and reused its connections.
        assertThat(inhouse.requests()).allSatisfy(q -> assertThat(q.body()).contains("include_usage"));
        assertThat(upstream.idleConnections(pool("streams"))).isBetween(1, 2);
    }

    @Test
    void aFinishedStreamLeavesNothingOfItsRequestBehindWhileItsConnectionAwaitsTheBodysEnd() throws Exception {
        // The model writes [DONE], then its body's end as a chunk of its own; the connection waits for that end
        // before going back to the pool. What waits must hold the connection only: a timer that held the exchange
        // kept each stream's request for 5 s after it ended, hundreds of MB at a thousand long prompts a second.
        String prompt = "a long prompt ".repeat(2_000);
        java.util.List<java.lang.ref.WeakReference<dev.switchboard.core.GatewayRequest>> sent = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            dev.switchboard.core.GatewayRequest request = new dev.switchboard.core.GatewayRequest(
                    dev.switchboard.core.RequestView.chat("{\"model\":\"chat\",\"stream\":true,\"messages\":"
                            + "[{\"role\":\"user\",\"content\":\"" + prompt + i + "\"}]}"),
                    java.util.Map.of(), null, null);
            sent.add(new java.lang.ref.WeakReference<>(request));
            java.util.concurrent.CompletableFuture<dev.switchboard.core.Usage> done =
                    new java.util.concurrent.CompletableFuture<>();
            gateway.chatStream(request, completing(done, data -> { }));
            request = null;
            assertThat(done.get(10, java.util.concurrent.TimeUnit.SECONDS).completionTokens()).isEqualTo(8);
            // The body's end read: the connection is back in its loop's pool.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
            while (upstream.idleConnections(pool("streams")) < 1 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(upstream.idleConnections(pool("streams"))).isBetween(1, 2);
        }
        // Well within the 5 s the connection may wait for a body's end: an explicit collection clears a weak
        // reference to anything no longer reachable.
        for (int i = 0; i < 5 && sent.stream().anyMatch(r -> r.get() != null); i++) {
            System.gc();
        }
        assertThat(sent).allSatisfy(r -> assertThat(r.get()).as("a finished stream's request").isNull());
    }

    @Test
    void aStreamCutBeforeItsFirstEventFailsOverAndOneCutLaterEndsWithAnErrorEvent() throws Exception {
        inhouse.options(inhouse.options().toBuilder().dropAfterChunks(3).build());
        HttpResponse<String> cut = stream("chat", false);
        assertThat(cut.statusCode()).isEqualTo(200);
        assertThat(events(cut.body())).isEqualTo(3);
        assertThat(cut.body()).contains("event: error").doesNotContain("[DONE]").contains("cut the stream after 3");

        // A first token that does not come in time: the next candidate serves the stream.
        HttpResponse<String> failover = stream("slow-then-inhouse", false);
        assertThat(failover.statusCode()).isEqualTo(200);
        assertThat(failover.headers().firstValue("x-switchboard-backend")).hasValue("inhouse");
        assertThat(gateway.meters().get("switchboard.upstream.failures").tag("backend", "slow")
                .tag("kind", "first_token_timeout").counter().count()).isEqualTo(1);
    }

    @Test
    void aClientThatDoesNotReadStopsTheUpstreamReadAndGetsEverythingWhenItDoes() throws Exception {
        inhouse.options(inhouse.options().toBuilder().responseTokens(100_000).build()); // ~15 MB of events at once
        // Paranoid leak tracking (the build's default) records every buffer and makes 15 MB take minutes: sample
        // instead, for this test only.
        io.netty.util.ResourceLeakDetector.Level level = io.netty.util.ResourceLeakDetector.getLevel();
        io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.SIMPLE);
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.setReceiveBufferSize(16 * 1024); // a small window, so the kernel cannot take it all for us
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()));
            byte[] body = ("{\"model\":\"chat\",\"stream\":true,\"max_tokens\":100000,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}").getBytes();
            socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes());
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
            // Not reading: the sidecar's buffer to this client fills and it stops reading the upstream.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (upstream.streamPauses() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20); // waiting for real sockets to fill
            }
            if (upstream.streamPauses() == 0) {
                byte[] head = new byte[600];
                int n = socket.getInputStream().read(head);
                throw new AssertionError("no pause; open upstream streams " + inhouse.openStreams() + "; got: "
                        + new String(head, 0, Math.max(0, n)));
            }
            // Held back longer than the backend's idle timeout (1 s): that silence is ours, not the backend's.
            Thread.sleep(1500);
            // Reading now: every event arrives, and the stream ends properly.
            java.io.InputStream in = socket.getInputStream();
            StringBuilder text = new StringBuilder();
            byte[] buf = new byte[64 * 1024];
            socket.setSoTimeout(20_000);
            while (text.indexOf("data: [DONE]") < 0) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                text.append(new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8));
            }
            assertThat(text).contains("data: [DONE]");
            int events = 0;
            for (int i = text.indexOf("data: {"); i >= 0; i = text.indexOf("data: {", i + 1)) {
                events++;
            }
            assertThat(events).isEqualTo(100_001); // every token and the finish chunk
            assertThat(gateway.meters().find("switchboard.upstream.failures").counters()) // each exists, at 0
                    .allSatisfy(c -> assertThat(c.count()).isZero());
        } finally {
            io.netty.util.ResourceLeakDetector.setLevel(level);
        }
    }

    @Test
    void aStreamRefusedByTheUpstreamIsAnErrorBeforeAnyEvent() throws Exception {
        inhouse.options(inhouse.options().toBuilder().forcedStatus(400).build());
        HttpResponse<String> r = stream("chat", false);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/message").asText())
                .contains("backend 'inhouse' rejected the request (HTTP 400)", "simulated failure 400");
    }

    @Test
    void aStreamArrivingInPiecesSplitInsideLinesAndCharactersIsRelayedWhole() throws Exception {
        // A raw server that sends its SSE body a few bytes at a time, with CRLF line ends, so reads end inside a
        // line and inside a UTF-8 character.
        String first = "{\"choices\":[{\"delta\":{\"content\":\"Grüße 客户 — ok\"},\"finish_reason\":null}]}";
        String second = "{\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}";
        byte[] sse = ("data: " + first + "\r\n\r\ndata: " + second + "\r\n\r\n"
                + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\r\n\r\n"
                + "data: [DONE]\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (ServerSocket pieces = new ServerSocket(0)) {
            serveOnce(pieces, out -> {
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                for (int i = 0; i < sse.length; i += 7) {
                    out.write(sse, i, Math.min(7, sse.length - i));
                    out.flush();
                    Thread.sleep(2); // separate reads on the other side
                }
            });
            java.util.List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.CompletableFuture<dev.switchboard.core.Usage> done =
                    new java.util.concurrent.CompletableFuture<>();
            try (Gateway g = gatewayOn("pieces", pieces.getLocalPort())) {
                g.chatStream(new dev.switchboard.core.GatewayRequest(dev.switchboard.core.RequestView.chat(
                        "{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                        java.util.Map.of(), null, null), completing(done, events::add));
                assertThat(done.get(10, java.util.concurrent.TimeUnit.SECONDS))
                        .isEqualTo(new dev.switchboard.core.Usage(3, 2));
            }
            assertThat(events).containsExactly(first, second);
        }
    }

    @Test
    void aBackendThatAnswersStreamsWholeIsRelayedAsAStreamAndLearnedUnderAuto() throws Exception {
        try (MockModelServer whole = MockModelServer.start(MockModelOptions.builder().model("w").responseTokens(6)
                .wholeAnswers(true).build())) {
            GatewaySpec spec = ConfigLoader.withEnv(n -> null).parse("""
                    server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                    backends:
                      - { name: whole, base-url: "%s", model: w, residency: internal, upstream-streaming: auto }
                    routes:
                      - { name: chat, rules: [ { use: [whole] } ] }
                    resilience: { retry: { attempts: 1 } }
                    """.formatted(whole.baseUrl()), "test");
            Gateway g = Gateway.create(spec, GatewayOptions.defaults().withBackends(upstream));
            try (g; SwitchboardServer sidecar = SwitchboardServer.start(spec.server(), () -> g, workers)) {
                // A client's stream through the sidecar: SSE events made from the whole answer, then [DONE].
                HttpResponse<String> stream = http.send(HttpRequest.newBuilder(URI.create(sidecar.baseUrl()
                        + "/chat/completions")).header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat\",\"stream\":true,"
                                + "\"stream_options\":{\"include_usage\":true},"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(stream.statusCode()).isEqualTo(200);
                assertThat(stream.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
                assertThat(stream.body()).contains("\"object\":\"chat.completion.chunk\"")
                        .contains("\"finish_reason\":\"stop\"").contains("\"usage\":{").endsWith("data: [DONE]\n\n");
                // A non-streamed call: streamed upstream once, answered whole, used as it is; then sent as is.
                HttpResponse<String> first = http.send(HttpRequest.newBuilder(URI.create(sidecar.baseUrl()
                        + "/chat/completions")).header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat\",\"messages\":"
                                + "[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(first.statusCode()).isEqualTo(200);
                assertThat(JSON.readTree(first.body()).path("object").asText()).isEqualTo("chat.completion");
                assertThat(whole.requests().get(1).json().path("stream").asBoolean()).isTrue();
                HttpResponse<String> second = http.send(HttpRequest.newBuilder(URI.create(sidecar.baseUrl()
                        + "/chat/completions")).header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat\",\"messages\":"
                                + "[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(second.statusCode()).isEqualTo(200);
                assertThat(whole.requests().get(2).json().has("stream")).isFalse();
                assertThat(JSON.readTree(second.body()).at("/choices/0/message/content"))
                        .isEqualTo(JSON.readTree(first.body()).at("/choices/0/message/content"));
            }
        }
    }

    @Test
    void aPooledConnectionClosedAsTheRequestCrossesItIsResentOnceOnANewOne() throws Exception {
        String ok = "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"x\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}";
        byte[] answer = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + ok.length()
                + "\r\n\r\n" + ok).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        try (ServerSocket raw = new ServerSocket(0)) {
            Thread t = new Thread(() -> {
                try {
                    // The first connection answers one request and keeps alive; the second request on it is read
                    // and the connection closed without a byte — a server timing out an idle connection as the
                    // request crosses it.
                    try (java.net.Socket first = raw.accept()) {
                        first.getInputStream().read(new byte[64 * 1024]);
                        requests.incrementAndGet();
                        first.getOutputStream().write(answer);
                        first.getOutputStream().flush();
                        first.getInputStream().read(new byte[64 * 1024]);
                        requests.incrementAndGet();
                    }
                    try (java.net.Socket second = raw.accept()) { // the resend
                        second.getInputStream().read(new byte[64 * 1024]);
                        requests.incrementAndGet();
                        second.getOutputStream().write(answer);
                        second.getOutputStream().flush();
                        Thread.sleep(200);
                    }
                } catch (Exception ignored) {
                    // the test fails on what the gateway did
                }
            });
            t.setDaemon(true);
            t.start();
            // One loop, so the second call takes the connection the first gave back (pools are per loop).
            io.netty.channel.EventLoopGroup one = dev.switchboard.server.http.Transport.preferred().newGroup(1);
            GatewaySpec spec = ConfigLoader.withEnv(n -> null).parse(("backends:\n"
                    + "  - { name: raw, base-url: \"http://127.0.0.1:%d/v1\", model: x, residency: internal }\n"
                    + "routes:\n  - { name: chat, rules: [ { use: [raw] } ] }\n"
                    + "resilience: { retry: { attempts: 1 } }\n").formatted(raw.getLocalPort()), "test");
            try (Gateway g = Gateway.create(spec, GatewayOptions.defaults().withBackends(new NettyUpstream(one)))) {
                for (int i = 0; i < 2; i++) {
                    var f = g.chatAsync(new dev.switchboard.core.GatewayRequest(dev.switchboard.core.RequestView.chat(
                            "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                            java.util.Map.of(), null, null));
                    try {
                        assertThat(f.get(10, java.util.concurrent.TimeUnit.SECONDS).backend()).isEqualTo("raw");
                    } catch (java.util.concurrent.TimeoutException e) {
                        throw new AssertionError("call " + i + " timed out; requests seen " + requests.get(), e);
                    }
                }
                assertThat(requests.get()).isEqualTo(3); // the second call went out twice, answered once
                assertThat(g.meters().find("switchboard.upstream.failures").counters())
                        .allSatisfy(c -> assertThat(c.count()).isZero());
            } finally {
                one.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void anAnswerThatIsNotValidHttpIsAFailureNotAnEmptySuccess() throws Exception {
        // A raw server whose chunked body has a chunk size that is not hex.
        try (ServerSocket broken = new ServerSocket(0)) {
            serveOnce(broken, out -> {
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\nZZZ\r\n{}\r\n0\r\n\r\n").getBytes());
                out.flush();
                Thread.sleep(500);
            });
            try (Gateway g = gatewayOn("broken", broken.getLocalPort())) {
                var f = g.chatAsync(new dev.switchboard.core.GatewayRequest(dev.switchboard.core.RequestView.chat(
                        "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                        java.util.Map.of(), null, null));
                org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> f.get(10, java.util.concurrent.TimeUnit.SECONDS))
                        .hasCauseInstanceOf(dev.switchboard.core.GatewayException.class)
                        .hasMessageContaining("I/O error talking to backend 'broken'");
            }
        }
    }

    @Test
    void anUpstreamRefusalIsPassedOnWithItsMessage() throws Exception {
        inhouse.options(inhouse.options().toBuilder().forcedStatus(400).build());
        HttpResponse<String> r = chat("chat");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/message").asText())
                .contains("backend 'inhouse' rejected the request (HTTP 400)", "simulated failure 400");
    }
}
