package dev.switchboard.server.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.testkit.ManualClock;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import dev.switchboard.testkit.RedisServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real sidecar process sharing Redis with another sidecar, killed with SIGKILL in the middle of two streamed
 * calls: its capacity slots and budget reservations are leases, and once they run out the other sidecar gets
 * the in-house model and the budget back.
 */
class SidecarFleetTest {
    @TempDir
    Path dir;
    private RedisServer redis;
    private MockModelServer hosted;
    private MockModelServer inhouse;
    private Process sidecar;
    private Gateway survivor;

    @BeforeEach
    void start() throws IOException {
        redis = RedisServer.start();
        hosted = MockModelServer.start(MockModelOptions.builder().model("big").responseTokens(5).build());
        // Slow streams: still running when the sidecar is killed.
        inhouse = MockModelServer.start(MockModelOptions.builder().model("small").responseTokens(200)
                .tokensPerSecond(5).build());
    }

    @AfterEach
    void stop() {
        if (sidecar != null) {
            sidecar.destroyForcibly();
        }
        if (survivor != null) {
            survivor.close();
        }
        hosted.close();
        inhouse.close();
        redis.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private String config(int port, int adminPort) {
        return """
                server: { listen: 127.0.0.1:%d, admin: 127.0.0.1:%d, auth: { mode: open } }
                backends:
                  - { name: hosted-100b, base-url: %s, model: big, residency: external,
                      price: { input-per-mtok: 0, output-per-mtok: 1000, currency: CNY } }
                  - { name: inhouse-10b, base-url: %s, model: small, residency: internal,
                      price: { input-per-mtok: 0, output-per-mtok: 100, currency: CNY },
                      limits: { max-concurrency: 2 } }
                routes:
                  - { name: local, rules: [ { use: [inhouse-10b] } ] }
                  - { name: mixed, rules: [ { use: [inhouse-10b, hosted-100b], strategy: priority } ] }
                budgets:
                  - { tenant: retail, daily: 1, currency: CNY, when-exhausted: reject }
                state:
                  store: redis
                  redis: { uri: %s, timeout: 1s, lease: 30s }
                """.formatted(port, adminPort, hosted.baseUrl(), inhouse.baseUrl(), redis.uri());
    }

    @Test
    void aKilledSidecarsLeasesExpireAndTheOthersGetCapacityAndBudgetBack() throws Exception {
        int port = freePort();
        int adminPort = freePort();
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, config(port, adminPort));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        sidecar = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "dev.switchboard.server.cli.SwitchboardCli", "serve", "--config", file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("sidecar.log").toFile()).start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        awaitReady(http, adminPort);

        // Two streams through the doomed sidecar fill the in-house model's capacity of two.
        List<CompletableFuture<HttpResponse<java.io.InputStream>>> streams = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            streams.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/v1/chat/completions")).header("content-type", "application/json")
                    .header("x-switchboard-tenant", "retail")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"local\",\"stream\":true,\"max_tokens\":200,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"tell me a long story " + i + "\"}]}"))
                    .build(), HttpResponse.BodyHandlers.ofInputStream()));
        }
        for (CompletableFuture<HttpResponse<java.io.InputStream>> s : streams) {
            assertThat(s.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(inhouse.openStreams()).isEqualTo(2);
        assertThat(redis.command("ZCARD switchboard:capacity:{inhouse-10b}")).isEqualTo(":2");

        sidecar.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no shutdown hook, nothing released

        ManualClock clock = new ManualClock(Instant.now());
        survivor = Gateway.create(ConfigLoader.withEnv(n -> null).parse(config(0, 0), "test"),
                GatewayOptions.defaults().withClock(clock));
        // The dead sidecar's slots still count: the survivor spills over to the hosted model...
        assertThat(survivor.chat(request("mixed", "other")).backend()).isEqualTo("hosted-100b");
        // ...and its reservations (2 x 200 tokens x 100 CNY/Mtok = 0.04 CNY) are still held.
        assertThat(survivor.budgets().get(0).reservedToday()).isEqualByComparingTo("0.04");

        clock.advance(Duration.ofSeconds(31)); // one lease after the last renewal
        assertThat(survivor.chat(request("mixed", "other")).backend()).isEqualTo("inhouse-10b");
        assertThat(survivor.budgets().get(0).reservedToday()).isZero();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String left = redis.command("ZCARD switchboard:capacity:{inhouse-10b}");
        while (!left.equals(":0") && System.nanoTime() < deadline) {
            Thread.sleep(10); // the survivor's own release follows its answer, off the request path
            left = redis.command("ZCARD switchboard:capacity:{inhouse-10b}");
        }
        assertThat(left).isEqualTo(":0");
    }

    private static GatewayRequest request(String model, String tenant) {
        return new GatewayRequest(RequestView.chat("{\"model\":\"" + model + "\",\"max_tokens\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"), Map.of(), tenant, null);
    }

    private static void awaitReady(HttpClient http, int adminPort) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
                        + "/admin/state")).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"up\":true")) {
                    return;
                }
            } catch (IOException notYet) {
                // the process is still starting
            }
            Thread.sleep(100); // waiting for a real process to start, not for test time
        }
        throw new AssertionError("the sidecar process did not become ready");
    }
}
