package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.ConfigReloader;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hot reload: validated, swapped whole, in-flight requests undisturbed, statistics of unchanged backends kept. */
class ReloadTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private MockModelServer model;
    private ConfigReloader reloader;
    private SwitchboardServer server;
    private Path file;
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private String config(String extraRoute) {
        return """
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                backends:
                  - { name: b1, base-url: "%s", model: m, residency: internal }
                routes:
                  - { name: chat, rules: [ { use: [b1] } ] }
                %s
                """.formatted(model.baseUrl(), extraRoute);
    }

    @BeforeEach
    void start() throws Exception {
        model = MockModelServer.start(MockModelOptions.builder().model("m").responseTokens(10).build());
        file = dir.resolve("switchboard.yaml");
        Files.writeString(file, config(""));
        var spec = ConfigLoader.withEnv(k -> null).load(file);
        reloader = new ConfigReloader(file, k -> null, Gateway.create(spec, GatewayOptions.defaults()));
        server = SwitchboardServer.start(spec.server(), reloader);
    }

    @AfterEach
    void stop() {
        server.close();
        reloader.close();
        model.close();
    }

    private HttpResponse<String> admin(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private CompletableFuture<HttpResponse<String>> chat(String model, boolean stream) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String models() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/models")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void aValidChangeIsSwappedInAndStatisticsSurvive() throws Exception {
        assertThat(chat("chat", false).get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        model.options(model.options().toBuilder().tokensPerSecond(10).build());
        CompletableFuture<HttpResponse<String>> inFlight = chat("chat", true);
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (model.openStreams() == 0 && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        Files.writeString(file, config("  - { name: chat2, rules: [ { use: [b1] } ] }"));
        JsonNode result = JSON.readTree(admin("POST", "/admin/reload").body());
        assertThat(result.get("reloaded").asBoolean()).isTrue();
        // Not on an event loop: the reload thread built the new gateway.
        assertThat(reloader.lastReloadThread()).isEqualTo(ConfigReloader.RELOAD_THREAD);
        assertThat(models()).contains("chat2");
        // The stream that started before the reload finishes.
        assertThat(inFlight.get(10, TimeUnit.SECONDS).body()).endsWith("data: [DONE]\n\n");
        // b1's config did not change: it kept its statistics.
        JsonNode b1 = JSON.readTree(admin("GET", "/admin/backends").body()).at("/backends/0");
        assertThat(b1.get("calls_in_window").asInt()).isEqualTo(2);
    }

    @Test
    void aChangeOfTheStateStoreIsRefusedUntilARestart() throws Exception {
        Files.writeString(file, config("") + "state: { store: redis, redis: { uri: 'redis://127.0.0.1:1' } }\n");
        JsonNode result = JSON.readTree(admin("POST", "/admin/reload").body());
        assertThat(result.get("reloaded").asBoolean()).isFalse();
        assertThat(result.get("errors").toString()).contains("state: the state store cannot change while running");
        assertThat(JSON.readTree(admin("GET", "/admin/state").body()).get("store").asText()).isEqualTo("memory");
        assertThat(chat("chat", false).get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void anInvalidFileKeepsTheRunningConfigAndSaysWhy() throws Exception {
        Files.writeString(file, config("  - { name: broken, rules: [ { use: [nope] } ] }"));
        JsonNode result = JSON.readTree(admin("POST", "/admin/reload").body());
        assertThat(result.get("reloaded").asBoolean()).isFalse();
        assertThat(result.get("errors").toString()).contains("routes[1].rules[0].use[0]: unknown backend 'nope'");
        assertThat(admin("GET", "/admin/config").body()).contains("unknown backend 'nope'");
        assertThat(chat("chat", false).get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(models()).doesNotContain("broken");
    }

    @Test
    void aChangedFileIsPickedUpByTheWatcher() throws Exception {
        reloader.watch();
        Files.writeString(file, config("  - { name: watched, rules: [ { use: [b1] } ] }"));
        long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!models().contains("watched") && System.nanoTime() < until) {
            Thread.sleep(100); // polling the observable effect of a file-system event
        }
        assertThat(models()).contains("watched");
    }
}
