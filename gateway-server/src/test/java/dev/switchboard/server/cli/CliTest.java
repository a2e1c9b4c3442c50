package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;

    @TempDir
    Path dir;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    private int run(String... args) {
        return SwitchboardCli.newCommandLine().execute(args);
    }

    @Test
    void validateAcceptsTheExampleConfig() {
        assertThat(run("validate", "--config", "../examples/configs/demo.yaml")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("is valid: 2 backends, 2 routes");
    }

    @Test
    void validateListsEveryErrorAndExits1() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
                backends:
                  - { name: a, base-url: "http://a:1/v1", model: m, residency: inside }
                routes:
                  - name: chat
                    rules:
                      - use: [a, x]
                """);
        assertThat(run("validate", "--config", bad.toString())).isEqualTo(1);
        String text = err.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("has 2 errors")
                .contains("backends[0].residency: 'inside' (expected one of: internal, external)")
                .contains("routes[0].rules[0].use[1]: unknown backend 'x'");
    }

    @Test
    void serveRefusesAnInvalidConfig() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "backends: []\nroutes: []\n");
        assertThat(run("serve", "--config", bad.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("refusing to start");
    }

    @Test
    void aBusyPortIsOneLineNamingTheAddressAndTheSetting() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            Path config = dir.resolve("busy.yaml");
            Files.writeString(config, Files.readString(Path.of("../examples/configs/demo.yaml"))
                    .replaceAll("(?m)^  listen: .*$", "  listen: 127.0.0.1:" + taken.getLocalPort())
                    .replaceAll("(?m)^  admin: .*$", "  admin: 127.0.0.1:0"));
            assertThat(run("serve", "--config", config.toString())).isEqualTo(1);
            String text = err.toString(StandardCharsets.UTF_8).strip();
            assertThat(text).isEqualTo("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " (server.listen): "
                    + "the address is already in use (another process listens there; pick another port)");
            err.reset();
            assertThat(run("demo", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:" + taken.getLocalPort()))
                    .isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8).strip()).startsWith("cannot listen on 127.0.0.1:"
                    + taken.getLocalPort() + " (--admin): the address is already in use").doesNotContain("\n");
            // serve's --listen overrides the file, and a busy port names the flag.
            err.reset();
            Path free = dir.resolve("free.yaml");
            Files.writeString(free, Files.readString(Path.of("../examples/configs/demo.yaml"))
                    .replaceAll("(?m)^  admin: .*$", "  admin: 127.0.0.1:0"));
            assertThat(run("serve", "--config", config.toString(), "--listen", "127.0.0.1:" + taken.getLocalPort()))
                    .isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8).strip()).startsWith("cannot listen on 127.0.0.1:"
                    + taken.getLocalPort() + " (--listen)");
            // --admin beyond loopback needs the config's admin key.
            err.reset();
            assertThat(run("serve", "--config", free.toString(), "--admin", "0.0.0.0:0")).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("--admin 0.0.0.0:0 listens beyond loopback");
            err.reset();
            assertThat(run("serve", "--config", free.toString(), "--listen", "nowhere")).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("--listen nowhere: expected host:port");
        }
    }

    @Test
    void explainShowsTheDecisionOffline() throws Exception {
        Path request = dir.resolve("request.json");
        Files.writeString(request, "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Draft it\"}]}");
        assertThat(run("explain", "--config", "../examples/configs/demo.yaml", "--request", request.toString(),
                "-H", "x-scenario=aml-report")).isZero();
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("\"route\" : \"chat\"").contains("\"rule\" : 0")
                .contains("suspicious-transaction reports need the strongest model");
        assertThat(run("explain", "--config", "../examples/configs/demo.yaml", "--request", request.toString()))
                .isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"rule\" : 2");
    }

    /** Offline explain runs the live scan and policy: a card keeps the hosted model out, as a live call would. */
    @Test
    void explainKeepsCustomerDataInsideAsALiveRequestWould() throws Exception {
        Path request = dir.resolve("card.json");
        Files.writeString(request, "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Draft it\"}],"
                + "\"x_notes\":\"card 6222 0212 3456 7894\"}");
        assertThat(run("explain", "--config", "../examples/configs/demo.yaml", "--request", request.toString(),
                "-H", "x-scenario=aml-report")).isZero();
        JsonNode decision = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(decision.path("compliance").path("verdict").asText()).isEqualTo("route-internal");
        assertThat(decision.path("compliance").path("found").path("bank-card").asInt()).isEqualTo(1);
        assertThat(decision.path("order")).extracting(JsonNode::asText).containsExactly("inhouse-10b");
        JsonNode hosted = null;
        for (JsonNode c : decision.path("candidates")) {
            hosted = c.path("backend").asText().equals("hosted-100b") ? c : hosted;
        }
        assertThat(hosted.path("excluded").asBoolean()).isTrue();
        assertThat(hosted.path("reason").asText()).contains("must stay internal");
        assertThat(hosted.path("exclusion").asText()).isEqualTo("stays_internal");
        Path blocking = dir.resolve("block.yaml");
        Files.writeString(blocking, Files.readString(Path.of("../examples/configs/demo.yaml"))
                + "\ncompliance: { action: block }\n");
        out.reset();
        assertThat(run("explain", "--config", blocking.toString(), "--request", request.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("blocked").contains("bank-card (1)")
                .doesNotContain("6222");
    }

    @Test
    void hashKeyPrintsTheConfigHash() {
        assertThat(run("hash-key", "abc")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(run("hash-key")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("key:    sb-");
    }

    @Test
    void simulatePrintsTheComparisonAndRejectsABadFormat() {
        assertThat(run("simulate", "--config", "../examples/configs/demo.yaml", "--compare",
                "../examples/configs/what-if-hosted-first.yaml", "--traffic", "../examples/traffic/sample.jsonl",
                "--format", "csv")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("metric,demo.yaml,what-if-hosted-first.yaml")
                .contains("requests,3000,3000");
        // Not a terminal: no progress bar (carriage returns would flood a log).
        assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("\r");
        assertThat(run("simulate", "--config", "../examples/configs/demo.yaml", "--traffic",
                "../examples/traffic/sample.jsonl", "--format", "xml")).isEqualTo(2);
    }

    @Test
    void mockModelRejectsABadDuration() {
        assertThat(run("mock-model", "--port", "0", "--first-token-delay", "soon")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("'soon' is not a duration");
    }

    @Test
    void mockModelLogsEachBodyAndShowsWhatItReceived() throws Exception {
        CommandLine cl = SwitchboardCli.newCommandLine();
        assertThat(cl.execute("mock-model", "--port", "0", "--model", "big", "--log-bodies")).isZero();
        MockModelCommand command = cl.getSubcommands().get("mock-model").getCommand();
        try {
            String base = "http://127.0.0.1:" + command.server.port();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("mock model 'big' listening at " + base
                    + "/v1 (what it received: GET " + base + "/__received)");
            String body = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"card 6222021234567894\"}]}";
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                    .header("Authorization", "Bearer sk-secret").POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(out.toString(StandardCharsets.UTF_8).lines())
                    .contains("received POST /v1/chat/completions " + body);
            String received = http.send(HttpRequest.newBuilder(URI.create(base + "/__received")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(received).contains("\"body\" : " + body).contains("\"authorization\" : \"***\"")
                    .doesNotContain("sk-secret");
        } finally {
            command.server.close();
        }
    }
}
