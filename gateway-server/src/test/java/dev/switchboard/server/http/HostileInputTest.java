package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.testkit.LeakRecordingDetector;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Randomised hostile input over raw sockets: malformed JSON, wrong types, invalid UTF-8, truncated and oversized
 * bodies, deep nesting, huge numbers, HTTP garbage, trickled headers. Every answer must be a 4xx (or a closed
 * connection), the server must keep serving, no buffer may leak, and the upstream key must never show.
 */
class HostileInputTest {
    private static final String UPSTREAM_KEY = "sk-upstream-key-never-shown-9f8e7d";
    private MockModelServer model;
    private Gateway gateway;
    private SwitchboardServer server;

    @BeforeEach
    void start() {
        model = MockModelServer.start(MockModelOptions.builder().model("m").build());
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, max-body-size: 16KiB, read-timeout: 1s, auth: { mode: open } }
                backends:
                  - { name: b, base-url: "%s", model: m, residency: internal, api-key: %s }
                routes:
                  - { name: chat, rules: [ { use: [b] } ] }
                """.formatted(model.baseUrl(), UPSTREAM_KEY), "t");
        TestSidecar sidecar = TestSidecar.start(spec);
        gateway = sidecar.gateway();
        server = sidecar.server();
    }

    @AfterEach
    void stop() {
        server.close();
        gateway.close();
        model.close();
    }

    @AfterAll
    static void noLeaks() {
        LeakRecordingDetector.assertNoLeaks();
    }

    private static byte[] request(String body, String contentLength) {
        return ("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                + "content-length: " + contentLength + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends raw bytes and returns the status code of the answer, or -1 when the connection was closed. */
    private int send(byte[] head, byte[] body) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(head);
                out.write(body);
                out.flush();
            } catch (IOException closedEarly) {
                return -1;
            }
            InputStream in = s.getInputStream();
            byte[] buf = new byte[12];
            int n = 0;
            try {
                while (n < 12) {
                    int r = in.read(buf, n, 12 - n);
                    if (r < 0) {
                        return -1;
                    }
                    n += r;
                }
            } catch (SocketTimeoutException | java.net.SocketException e) {
                return -1;
            }
            return Integer.parseInt(new String(buf, 9, 3, StandardCharsets.US_ASCII));
        }
    }

    private int sendBody(byte[] body) throws IOException {
        return send(request("", Integer.toString(body.length)), body);
    }

    private static List<byte[]> hostileBodies(Random random) {
        List<byte[]> out = new ArrayList<>();
        String ok = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        out.add("{bad".getBytes(StandardCharsets.UTF_8));
        out.add("".getBytes(StandardCharsets.UTF_8));
        out.add("null".getBytes(StandardCharsets.UTF_8));
        out.add("[]".getBytes(StandardCharsets.UTF_8));
        out.add("{\"model\":42,\"messages\":\"no\"}".getBytes(StandardCharsets.UTF_8));
        out.add("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1e999999}"
                .getBytes(StandardCharsets.UTF_8));
        out.add(("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"x\":"
                + "9".repeat(5000) + "}").getBytes(StandardCharsets.UTF_8));
        out.add(("{\"model\":\"chat\",\"messages\":" + "[".repeat(3000) + "]".repeat(3000) + "}")
                .getBytes(StandardCharsets.UTF_8));
        byte[] invalidUtf8 = ok.getBytes(StandardCharsets.UTF_8);
        invalidUtf8[invalidUtf8.length - 6] = (byte) 0xC3; // a lead byte with no continuation
        invalidUtf8[invalidUtf8.length - 5] = (byte) 0x28;
        out.add(invalidUtf8);
        for (int i = 0; i < 40; i++) {
            byte[] b = ok.getBytes(StandardCharsets.UTF_8);
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            out.add(b);
        }
        for (int i = 0; i < 20; i++) {
            byte[] b = new byte[random.nextInt(2000)];
            random.nextBytes(b);
            out.add(b);
        }
        return out;
    }

    @Test
    void everyHostileRequestGetsA4xxOrAClosedConnectionAndTheServerStaysUp() throws Exception {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
        try {
            long heapBefore = usedHeapAfterGc();
            Random random = new Random(20261130);
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            for (byte[] body : hostileBodies(random)) {
                int status = sendBody(body);
                if (status == 200) {
                    // A flipped byte can leave a valid request (a letter of the prompt changed): that one is served.
                    assertThat(json.readTree(body).path("messages").isArray()).as(new String(body,
                            StandardCharsets.UTF_8)).isTrue();
                    continue;
                }
                assertThat(status == -1 || status >= 400 && status < 500).as("status %d", status).isTrue();
            }
            // Oversized, truncated, lying content-length, garbage request lines, huge headers.
            assertThat(sendBody(new byte[20_000])).isIn(413, -1);
            assertThat(send(request("", "100"), "{\"model\":".getBytes(StandardCharsets.UTF_8))).isIn(-1, 400, 408);
            assertThat(send(request("", "-5"), new byte[0])).isIn(-1, 400);
            assertThat(send("GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII), new byte[0])).isIn(-1, 400);
            assertThat(send(("GET /" + "a".repeat(20_000) + " HTTP/1.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
                    new byte[0])).isIn(-1, 400, 414, 431);
            assertThat(send(("GET /healthz HTTP/1.1\r\nx-big: " + "b".repeat(40_000) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII), new byte[0])).isIn(-1, 400, 431);
            // A slowloris trickle is cut by the read timeout instead of holding a connection forever.
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(5000);
                s.getOutputStream().write("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n".getBytes(
                        StandardCharsets.US_ASCII));
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
            // Still serving.
            String ok = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            assertThat(sendBody(ok.getBytes(StandardCharsets.UTF_8))).isEqualTo(200);
            // And memory is flat: what the hostile requests left behind is collectable.
            assertThat(usedHeapAfterGc() - heapBefore).isLessThan(32L << 20);
        } finally {
            System.setErr(oldErr);
        }
        assertThat(logs.toString(StandardCharsets.UTF_8)).doesNotContain(UPSTREAM_KEY);
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    @Test
    void upstreamKeysNeverShowInLogsOrErrors() throws Exception {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
        try {
            model.options(model.options().toBuilder().forcedStatus(500).build());
            String ok = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            assertThat(sendBody(ok.getBytes(StandardCharsets.UTF_8))).isEqualTo(502);
            model.close();
            assertThat(sendBody(ok.getBytes(StandardCharsets.UTF_8))).isIn(502, 503);
        } finally {
            System.setErr(oldErr);
        }
        assertThat(logs.toString(StandardCharsets.UTF_8)).contains("backend b").doesNotContain(UPSTREAM_KEY);
        assertThat(gateway.spec().toString()).doesNotContain(UPSTREAM_KEY);
    }
}
