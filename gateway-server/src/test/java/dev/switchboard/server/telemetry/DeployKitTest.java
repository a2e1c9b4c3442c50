package dev.switchboard.server.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.server.http.SwitchboardServer;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import dev.switchboard.testkit.PrometheusServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The operational kit under {@code deploy/} works against the real thing: promtool checks the rules and runs their
 * unit tests; a real Prometheus scrapes a running sidecar, loads the rules, answers PromQL for the GenAI metrics, and
 * runs every expression of the rules and the dashboard; every metric they name exists on the sidecar's
 * {@code /metrics}.
 */
class DeployKitTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern METRIC = Pattern.compile("\\b((?:switchboard|gen_ai)_[a-z0-9_]+)\\b");
    private final HttpClient http = HttpClient.newHttpClient();

    private static Path deploy() {
        Path module = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        Path dir = module.resolve("../deploy").normalize();
        assertThat(dir.resolve("prometheus/switchboard-alerts.yml")).exists();
        return dir;
    }

    private static Path rules() {
        return deploy().resolve("prometheus/switchboard-alerts.yml");
    }

    @Test
    void promtoolChecksTheRulesTheirUnitTestsAndTheExampleConfig() throws Exception {
        Path dir = deploy().resolve("prometheus");
        PrometheusServer.ToolRun check = PrometheusServer.promtool(dir, "check", "rules", "switchboard-alerts.yml");
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS: 9 rules found");
        PrometheusServer.ToolRun test = PrometheusServer.promtool(dir, "test", "rules",
                "switchboard-alerts.test.yml");
        assertThat(test.exitCode()).as(test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS");
        PrometheusServer.ToolRun config = PrometheusServer.promtool(dir, "check", "config", "prometheus.yml");
        assertThat(config.exitCode()).as(config.output()).isZero();
        // Every alert has a unit test and a section in OPERATIONS.md.
        String tests = Files.readString(dir.resolve("switchboard-alerts.test.yml"));
        String operations = Files.readString(deploy().resolve("../docs/OPERATIONS.md"));
        for (String alert : alerts()) {
            assertThat(tests).as("a unit test of " + alert).contains("alertname: " + alert);
            assertThat(operations).as("OPERATIONS.md explains " + alert).contains("### " + alert);
        }
    }

    @Test
    void aRealPrometheusScrapesTheSidecarAndEveryExpressionOfTheKitRuns() throws Exception {
        try (MockModelServer hosted = MockModelServer.start(MockModelOptions.builder().model("big").build());
             MockModelServer inhouse = MockModelServer.start(MockModelOptions.builder().model("small").build())) {
            GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                    server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                    backends:
                      - { name: hosted-100b, base-url: "%s", model: big, residency: external,
                          price: { input-per-mtok: 20, output-per-mtok: 60, currency: CNY } }
                      - { name: inhouse-10b, base-url: "%s", model: small, residency: internal,
                          price: { input-per-mtok: 1, output-per-mtok: 2, currency: CNY } }
                    routes:
                      - name: chat
                        rules:
                          - { when: { tenant: batch }, use: [inhouse-10b] }
                          - { use: [hosted-100b, inhouse-10b], slo: { first-token-p95: 2s } }
                    budgets:
                      - { tenant: anonymous, limit: [500 CNY/day, 9000 CNY/month] }
                    cache: { enabled: true }
                    resilience: { overload: { limit: adaptive } }
                    """.formatted(hosted.baseUrl(), inhouse.baseUrl()), "kit.yaml");
            Telemetry telemetry = Telemetry.start(spec.telemetry(), k -> null);
            Gateway gateway = Gateway.create(spec, GatewayOptions.defaults().withMeters(telemetry.meterRegistry()));
            try (telemetry; gateway;
                 SwitchboardServer server = SwitchboardServer.start(spec.server(), gateway)) {
                traffic(server);
                String metrics = get("http://127.0.0.1:" + server.adminPort() + "/metrics");
                try (PrometheusServer prometheus = PrometheusServer.start("switchboard",
                        List.of("127.0.0.1:" + server.adminPort()), List.of(rules()))) {
                    // Scraped (in OpenMetrics: exemplar storage is on) and answering PromQL for the GenAI metrics.
                    JsonNode calls = prometheus.awaitQuery(
                            "sum by (outcome) (gen_ai_client_operation_duration_seconds_count)",
                            r -> r.size() > 0, Duration.ofSeconds(30));
                    assertThat(calls).as(prometheus.log()).hasSize(1);
                    assertThat(calls.get(0).path("metric").path("outcome").asText()).isEqualTo("ok");
                    assertThat(calls.get(0).path("value").get(1).asDouble()).isEqualTo(3);
                    assertThat(prometheus.query("gen_ai_client_operation_duration_seconds_count{route=\"chat\"}")
                            .path("data").path("result")).isNotEmpty();
                    JsonNode tokens = prometheus.query("sum by (gen_ai_token_type) (gen_ai_client_token_usage_tokens_sum)")
                            .path("data").path("result");
                    assertThat(tokens).hasSize(2);
                    JsonNode firstToken = prometheus.query("histogram_quantile(0.95, sum by (le) "
                            + "(gen_ai_server_time_to_first_token_seconds_bucket))").path("data").path("result");
                    assertThat(firstToken.get(0).path("value").get(1).asDouble()).isPositive();

                    List<String> expressions = new ArrayList<>(ruleExpressions());
                    expressions.addAll(dashboardExpressions());
                    Set<String> names = new TreeSet<>();
                    for (String expr : expressions) {
                        JsonNode answer = prometheus.query(expr);
                        assertThat(answer.path("status").asText()).as(expr + " -> " + answer).isEqualTo("success");
                        // Label names look like metric names: drop selectors and grouping clauses first.
                        Matcher m = METRIC.matcher(expr.replaceAll("\\{[^}]*}", "")
                                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", ""));
                        while (m.find()) {
                            names.add(m.group(1));
                        }
                    }
                    assertThat(names).hasSizeGreaterThan(20);
                    for (String name : names) {
                        assertThat(metrics).as("the sidecar's /metrics has " + name)
                                .containsPattern("(?m)^" + Pattern.quote(name) + "[{ ]");
                        assertThat(prometheus.query("count({__name__=\"" + name + "\"})").path("data")
                                .path("result")).as("Prometheus scraped " + name).isNotEmpty();
                    }
                    // The rules are loaded and evaluate without error.
                    JsonNode groups = null;
                    long deadline = System.nanoTime() + 20_000_000_000L;
                    while (System.nanoTime() < deadline) {
                        groups = prometheus.get("/api/v1/rules").path("data").path("groups");
                        if (groups.size() > 0 && groups.get(0).path("rules").size() == 9
                                && groups.get(0).path("lastEvaluation").asText().compareTo("2000") > 0) {
                            break;
                        }
                        Thread.sleep(100);
                    }
                    assertThat(groups).hasSize(1);
                    for (JsonNode rule : groups.get(0).path("rules")) {
                        assertThat(rule.path("health").asText()).as(rule.toString()).isEqualTo("ok");
                    }
                }
            }
        }
    }

    /** A call (a cache miss), the same call (a hit), and a stream: every histogram has samples. */
    private void traffic(SwitchboardServer server) throws Exception {
        String body = "{\"model\":\"chat\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        for (String b : List.of(body, body, body.replace("\"temperature\":0", "\"stream\":true"))) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(b)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
    }

    private String get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static List<String> alerts() throws Exception {
        List<String> names = new ArrayList<>();
        JsonNode doc = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(rules().toFile());
        for (JsonNode group : doc.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                names.add(rule.path("alert").asText());
            }
        }
        return names;
    }

    private static List<String> ruleExpressions() throws Exception {
        List<String> exprs = new ArrayList<>();
        JsonNode doc = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(rules().toFile());
        for (JsonNode group : doc.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                exprs.add(rule.path("expr").asText());
            }
        }
        assertThat(exprs).hasSize(9);
        return exprs;
    }

    /** Every {@code expr} of the dashboard, with Grafana's variables given values Prometheus accepts. */
    private static List<String> dashboardExpressions() throws Exception {
        JsonNode dashboard = JSON.readTree(deploy().resolve("grafana/switchboard-dashboard.json").toFile());
        List<String> exprs = new ArrayList<>();
        collect(dashboard.path("panels"), exprs);
        assertThat(exprs).hasSizeGreaterThan(20);
        return exprs.stream().map(e -> e.replace("$__rate_interval", "1m").replace("$__range", "5m")
                .replace("$instance", ".*")).toList();
    }

    private static void collect(JsonNode node, List<String> exprs) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals("expr")) {
                    exprs.add(e.getValue().asText());
                } else {
                    collect(e.getValue(), exprs);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collect(n, exprs));
        }
    }
}
