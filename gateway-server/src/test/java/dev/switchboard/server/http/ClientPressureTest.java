package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.testkit.LeakRecordingDetector;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Clients that pipeline, trickle or crowd: real sockets against the sidecar. */
class ClientPressureTest {
    private MockModelServer model;
    private TestSidecar sidecar;
    private final List<Socket> sockets = new ArrayList<>();

    private void start(String serverExtra) {
        start(serverExtra, "");
    }

    private void start(String serverExtra, String resilience) {
        model = MockModelServer.start(MockModelOptions.builder().model("small").responseTokens(5)
                .firstTokenDelay(Duration.ofMillis(150)).build());
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                server:
                  listen: 127.0.0.1:0
                  admin: 127.0.0.1:0
                  auth: { mode: open }
                %s
                backends:
                  - { name: inhouse, base-url: "%s", model: small, residency: internal }
                routes:
                  - { name: chat, rules: [ { use: [inhouse] } ] }
                %s
                """.formatted(serverExtra, model.baseUrl(), resilience), "test");
        sidecar = TestSidecar.start(spec);
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        sidecar.server().close();
        sidecar.gateway().close();
        model.close();
        LeakRecordingDetector.assertNoLeaks();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", sidecar.server().port());
        s.setSoTimeout(10_000);
        sockets.add(s);
        return s;
    }

    private static String post(String body) {
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }

    private static final String CHAT = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

    /** One HTTP/1.1 response read off the socket: status line, and the body as text. */
    private record Answer(int status, String body) {
    }

    private static Answer read(InputStream in) throws IOException {
        String head = readLine(in);
        int status = Integer.parseInt(head.split(" ")[1]);
        int length = -1;
        boolean chunked = false;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            String lower = line.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(lower.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (int n = Integer.parseInt(readLine(in).trim(), 16); n > 0; n = Integer.parseInt(readLine(in).trim(),
                    16)) {
                body.write(in.readNBytes(n));
                readLine(in);
            }
            readLine(in);
        } else if (length > 0) {
            body.write(in.readNBytes(length));
        }
        return new Answer(status, body.toString(StandardCharsets.UTF_8));
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed after: " + sb);
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    @Test
    void pipelinedAnswersLeaveInTheOrderTheRequestsCame() throws Exception {
        start("");
        Socket s = connect();
        OutputStream out = s.getOutputStream();
        out.write((post(CHAT) + get("/v1/models")).getBytes(StandardCharsets.UTF_8));
        out.flush();
        Answer first = read(s.getInputStream());
        Answer second = read(s.getInputStream());
        assertThat(first.body()).contains("\"chat.completion\"");
        assertThat(second.body()).contains("\"object\":\"list\"");

        Socket t = connect();
        t.getOutputStream().write((get("/healthz") + post(CHAT) + get("/v1/models") + post(CHAT) + get("/healthz"))
                .getBytes(StandardCharsets.UTF_8));
        t.getOutputStream().flush();
        List<Answer> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            answers.add(read(t.getInputStream()));
        }
        assertThat(answers).extracting(Answer::status).containsOnly(200);
        assertThat(answers.get(1).body()).contains("\"chat.completion\"");
        assertThat(answers.get(2).body()).contains("\"object\":\"list\"");
        assertThat(answers.get(3).body()).contains("\"chat.completion\"");
        assertThat(answers.get(0).body()).doesNotContain("chat.completion");
        assertThat(answers.get(4).body()).doesNotContain("chat.completion");
    }

    @Test
    void aClientThatTricklesItsRequestGets408AtTheDeadline() throws Exception {
        start("  request-deadline: 600ms");
        Socket s = connect();
        long start = System.nanoTime();
        OutputStream out = s.getOutputStream();
        String request = post(CHAT);
        // One byte every 100 ms, for as long as the deadline lets it (writing on after the server closed would only
        // earn a reset): at this pace the whole request would take half a minute.
        for (int sent = 0; sent < 5; sent++) {
            out.write(request.charAt(sent));
            out.flush();
            Thread.sleep(100); // a trickling client on a real socket
        }
        Answer answer = read(s.getInputStream());
        assertThat(answer).isNotNull();
        assertThat(answer.status()).isEqualTo(408);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(s.getInputStream().read()).isEqualTo(-1); // and closed
    }

    @Test
    void aRequestTrickledBehindASlowAnswerGets408OnceThatAnswerIsOut() throws Exception {
        start("  request-deadline: 600ms");
        model.options(model.options().toBuilder().firstTokenDelay(Duration.ofMillis(1500)).build());
        Socket s = connect();
        long start = System.nanoTime();
        OutputStream out = s.getOutputStream();
        out.write(post(CHAT).getBytes(StandardCharsets.UTF_8)); // whole: answered after 1.5 s
        out.flush();
        String next = post(CHAT);
        for (int sent = 0; sent < 5; sent++) { // the next request starts, and trickles past its deadline
            out.write(next.charAt(sent));
            out.flush();
            Thread.sleep(100); // a trickling client on a real socket
        }
        Answer first = read(s.getInputStream());
        assertThat(first.status()).isEqualTo(200);
        Answer second = read(s.getInputStream());
        assertThat(second.status()).isEqualTo(408);
        assertThat(s.getInputStream().read()).isEqualTo(-1); // and closed
        // Right after the slow answer, not whenever the client gives up.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }

    @Test
    void trickleConnectionsAtTheCapDoNotKeepLegitimateRequestsOut() throws Exception {
        start("  max-connections: 50\n  request-deadline: 30s");
        // 50 connections that send a header byte now and then hold every slot.
        for (int i = 0; i < 50; i++) {
            Socket s = connect();
            s.getOutputStream().write("POST /v1/chat/completions HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
        }
        Thread.sleep(300); // let the server register all fifty (real sockets)
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> legit = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            legit.add(http.sendAsync(HttpRequest.newBuilder(URI.create(sidecar.server().baseUrl()
                    + "/chat/completions")).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> f : legit) {
            assertThat(f.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void oneClientAddressMayHoldOnlyItsShareOfConnections() throws Exception {
        start("  max-connections-per-client: 2");
        // Three connections from one address: whichever the server set up third (its loops run in parallel) is
        // closed at once; the other two are served.
        List<Socket> three = List.of(connect(), connect(), connect());
        Thread.sleep(200); // the server has set all three up (real sockets)
        List<Socket> served = new ArrayList<>();
        int refused = 0;
        for (Socket s : three) {
            try {
                s.getOutputStream().write(get("/healthz").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                if (read(s.getInputStream()).status() == 200) {
                    served.add(s);
                }
            } catch (IOException closed) {
                refused++;
            }
        }
        assertThat(served).hasSize(2);
        assertThat(refused).isEqualTo(1);
        served.get(0).close();
        Thread.sleep(200); // the server sees the close (real sockets)
        Socket d = connect();
        d.getOutputStream().write(get("/healthz").getBytes(StandardCharsets.US_ASCII));
        d.getOutputStream().flush();
        assertThat(read(d.getInputStream()).status()).isEqualTo(200);
    }

    @Test
    void overTheConcurrencyLimitTheSidecarAnswers503OverloadedWithRetryAfterAtOnce() throws Exception {
        start("", "resilience: { overload: { limit: fixed, initial: 1 } }");
        model.options(model.options().toBuilder().firstTokenDelay(Duration.ofSeconds(1)).build());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest chat = HttpRequest.newBuilder(URI.create(sidecar.server().baseUrl() + "/chat/completions"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(CHAT)).build();
        CompletableFuture<HttpResponse<String>> first = http.sendAsync(chat, HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (model.requests().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5); // until the first is at its model, holding the one place (real sockets)
        }
        long start = System.nanoTime();
        HttpResponse<String> second = http.send(chat, HttpResponse.BodyHandlers.ofString());
        assertThat(second.statusCode()).isEqualTo(503);
        assertThat(second.headers().firstValue("retry-after")).hasValue("1");
        assertThat(second.body()).contains("\"code\":\"overloaded\"");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(150));
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void whileItsEventLoopRunsLateTheSidecarShedsAtTheHeadersAndTheConnectionServesOn() throws Exception {
        model = MockModelServer.start(MockModelOptions.builder().model("small").responseTokens(5).build());
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                backends:
                  - { name: inhouse, base-url: "%s", model: small, residency: internal }
                routes:
                  - { name: chat, rules: [ { use: [inhouse] } ] }
                resilience: { overload: { limit: adaptive, max-queue-delay: 2ms } }
                """.formatted(model.baseUrl()), "test");
        // One event loop, so this test can make it late: a task that keeps it busy 1 ms at a time, over and over.
        io.netty.channel.EventLoopGroup workers = Transport.preferred().newGroup(1);
        dev.switchboard.core.Gateway gateway = dev.switchboard.core.Gateway.create(spec,
                dev.switchboard.core.GatewayOptions.defaults()
                        .withBackends(new dev.switchboard.server.upstream.NettyUpstream(workers)));
        sidecar = new TestSidecar(gateway, SwitchboardServer.start(spec.server(), () -> gateway, workers));
        Socket s = connect();
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        out.write(post(CHAT).getBytes(StandardCharsets.UTF_8));
        assertThat(read(in).status()).isEqualTo(200);

        java.util.concurrent.atomic.AtomicBoolean busy = new java.util.concurrent.atomic.AtomicBoolean(true);
        io.netty.channel.EventLoop loop = workers.next();
        Runnable[] spin = new Runnable[1];
        spin[0] = () -> {
            long end = System.nanoTime() + 1_000_000;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            if (busy.get()) {
                loop.execute(spin[0]);
            }
        };
        loop.execute(spin[0]);
        Answer shed = null;
        try {
            for (int i = 0; i < 40 && shed == null; i++) {
                out.write(post(CHAT).getBytes(StandardCharsets.UTF_8));
                Answer a = read(in);
                if (a.status() == 503) {
                    shed = a;
                } else {
                    assertThat(a.status()).isEqualTo(200);
                }
            }
        } finally {
            busy.set(false);
        }
        assertThat(shed).as("a call shed while the loop ran late").isNotNull();
        assertThat(shed.body()).contains("\"code\":\"overloaded\"").contains("event loop runs");

        // The loop catches up; the same connection (its shed body read and dropped) serves the next call.
        Answer after = null;
        for (int i = 0; i < 40 && (after == null || after.status() != 200); i++) {
            out.write(post(CHAT).getBytes(StandardCharsets.UTF_8));
            after = read(in);
        }
        assertThat(after.status()).isEqualTo(200);
        assertThat(gateway.meters().get("switchboard.requests.shed").tag("scope", "edge").counter().count())
                .isGreaterThanOrEqualTo(1);
    }
}
