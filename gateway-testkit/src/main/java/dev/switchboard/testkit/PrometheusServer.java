package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real Prometheus ({@code prometheus} binary, Debian package {@code prometheus}; {@code .ci/run} installs it) on a
 * free loopback port, scraping targets every second and evaluating rule files, with its HTTP query API; and
 * {@link #promtool} for checking and unit-testing rules. Its data lives in a temporary directory, removed on close.
 */
public final class PrometheusServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final int port;
    private final Path dir;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusServer(int port, Path dir, Process process) {
        this.port = port;
        this.dir = dir;
        this.process = process;
    }

    /**
     * Starts Prometheus scraping {@code targets} ({@code host:port}, path {@code /metrics}) as job {@code job}, every
     * second, evaluating {@code ruleFiles} every second, with exemplar storage on (so it scrapes in the OpenMetrics
     * format, as a production Prometheus with exemplars does).
     */
    public static PrometheusServer start(String job, List<String> targets, List<Path> ruleFiles) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path dir = Files.createTempDirectory("switchboard-prometheus");
        StringBuilder config = new StringBuilder("global: { scrape_interval: 1s, evaluation_interval: 1s }\n");
        if (!ruleFiles.isEmpty()) {
            config.append("rule_files:\n");
            ruleFiles.forEach(f -> config.append("  - \"").append(f.toAbsolutePath()).append("\"\n"));
        }
        config.append("scrape_configs:\n  - job_name: ").append(job).append("\n    static_configs:\n")
                .append("      - targets: [");
        for (int i = 0; i < targets.size(); i++) {
            config.append(i == 0 ? "" : ", ").append('"').append(targets.get(i)).append('"');
        }
        config.append("]\n");
        Path file = dir.resolve("prometheus.yml");
        Files.writeString(file, config);
        ProcessBuilder pb = new ProcessBuilder(binary("prometheus"), "--config.file=" + file,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--enable-feature=exemplar-storage", "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile());
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot start prometheus: install it with 'apt-get install -y prometheus' "
                    + "(.ci/run does) or set PROMETHEUS to its path", e);
        }
        PrometheusServer p = new PrometheusServer(port, dir, process);
        p.awaitReady();
        return p;
    }

    /** The binary: {@code PROMETHEUS}/{@code PROMTOOL} if set, else the Debian path, else the PATH. */
    private static String binary(String name) {
        String env = System.getenv(name.toUpperCase(java.util.Locale.ROOT));
        if (env != null && !env.isBlank()) {
            return env;
        }
        Path debian = Path.of("/usr/bin", name);
        return Files.isExecutable(debian) ? debian.toString() : name;
    }

    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("prometheus exited at start: " + log());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            pause();
        }
        throw new IOException("prometheus was not ready within 30 s: " + log());
    }

    private static void pause() {
        try {
            Thread.sleep(100); // a real process's progress, not test time
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What Prometheus logged. */
    public String log() {
        try {
            return Files.readString(dir.resolve("prometheus.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    public String base() {
        return "http://127.0.0.1:" + port;
    }

    /** {@code GET path} on the API, parsed. */
    public JsonNode get(String path) throws IOException {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * An instant query: the whole answer ({@code status}, {@code data.result} or {@code error}), so a caller can
     * tell an expression Prometheus refuses from one with no result.
     */
    public JsonNode query(String promql) throws IOException {
        return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    /** Queries until the result satisfies {@code done} or {@code timeout} passes; returns the last result. */
    public JsonNode awaitQuery(String promql, Predicate<JsonNode> done, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode result = query(promql).path("data").path("result");
        while (!done.test(result) && System.nanoTime() < deadline) {
            pause();
            result = query(promql).path("data").path("result");
        }
        return result;
    }

    /** What {@code promtool} said, and how it exited. */
    public record ToolRun(int exitCode, String output) {
    }

    /** Runs {@code promtool args...} in {@code workDir}. */
    public static ToolRun promtool(Path workDir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(binary("promtool"));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run promtool: install it with 'apt-get install -y prometheus' (.ci/run "
                    + "does) or set PROMTOOL to its path", e);
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("promtool did not finish within 60 s: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return new ToolRun(p.exitValue(), output);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: left for the OS
        }
    }
}
