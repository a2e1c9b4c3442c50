package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cost-benefit report on a generated audit log whose answers are known to the last digit. */
class ReportCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    private Path config;
    private Path audit;

    @BeforeEach
    void write() throws Exception {
        config = dir.resolve("switchboard.yaml");
        Files.writeString(config, """
                backends:
                  - { name: hosted-100b, base-url: "https://api.example.com/v1", model: big, residency: external,
                      api-key: "${env:HOSTED_KEY}", price: { input-per-mtok: 20, output-per-mtok: 60, currency: CNY } }
                  - { name: inhouse-10b, base-url: "http://gpu.internal:8000/v1", model: small, residency: internal,
                      price: { input-per-mtok: 1, output-per-mtok: 2, currency: CNY } }
                routes:
                  - name: chat
                    rules:
                      - { when: { tenant: batch }, use: [inhouse-10b], slo: { total-p95: 2s } }
                      - { use: [inhouse-10b, hosted-100b], slo: { first-token-p95: 800ms } }
                """);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 5; i++) { // in-house, four within the SLO and one past it
            lines.add(line("retail-app", "chat", 1, "inhouse-10b", 1000, 500, 0.002, "miss", "none",
                    i < 4 ? 500 : 900, 1200));
        }
        for (int i = 0; i < 2; i++) {
            lines.add(line("retail-app", "chat", 1, "hosted-100b", 1000, 500, 0.05, "miss", "none", 700, 3000));
        }
        lines.add(line("retail-app", null, null, "inhouse-10b", 1000, 500, 0, "hit", "none", null, 3));
        lines.add("{\"time\":\"2026-12-01T10:00:00Z\",\"request_id\":\"req_err\",\"tenant\":\"retail-app\","
                + "\"route\":\"chat\",\"rule\":1,\"status\":503,\"error\":\"no_backend_available\",\"cost\":0,"
                + "\"cache\":\"bypass\",\"compliance\":\"none\",\"ms\":12}");
        for (int i = 0; i < 3; i++) { // customer data: kept in-house, non-streamed (no first token to judge)
            lines.add(line("risk-team", "chat", 1, "inhouse-10b", 2000, 0, 0.002, "bypass", "route-internal", null,
                    800));
        }
        for (int i = 0; i < 3; i++) { // the batch rule's total-time objective: 1.5 s twice, 2.5 s once
            lines.add(line("batch", "chat", 0, "inhouse-10b", 100, 100, 0.0003, "bypass", "none", null,
                    i < 2 ? 1500 : 2500));
        }
        lines.add("not a record");
        lines.add(line("retail-app", "chat", 1, "hosted-100b", 1000, 500, 0.05, "miss", "none", 700, 3000)
                .replace("2026-12-01T10:00:00Z", "2026-11-20T10:00:00Z")); // before --from
        audit = dir.resolve("decisions.jsonl");
        Files.write(audit, lines);
    }

    private static int n;

    private static String line(String tenant, String route, Integer rule, String backend, long prompt,
            long completion, double cost, String cache, String compliance, Integer firstTokenMs, long ms) {
        StringBuilder sb = new StringBuilder("{\"time\":\"2026-12-01T10:00:00Z\",\"request_id\":\"req_" + n++
                + "\",\"tenant\":\"" + tenant + "\",\"model\":\"chat\",\"stream\":" + (firstTokenMs != null)
                + ",\"status\":200");
        if (route != null) {
            sb.append(",\"route\":\"").append(route).append("\",\"rule\":").append(rule);
        }
        sb.append(",\"backend\":\"").append(backend).append("\",\"prompt_tokens\":").append(prompt)
                .append(",\"completion_tokens\":").append(completion).append(",\"compliance\":\"").append(compliance)
                .append("\",\"cost\":").append(cost).append(",\"currency\":\"CNY\",\"cache\":\"").append(cache)
                .append("\",\"ms\":").append(ms);
        if (firstTokenMs != null) {
            sb.append(",\"first_token_ms\":").append(firstTokenMs);
        }
        return sb.append('}').toString();
    }

    private String run(String... args) {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            List<String> all = new ArrayList<>(List.of("report", "--config", config.toString(), "--audit",
                    audit.toString(), "--from", "2026-12-01"));
            all.addAll(List.of(args));
            assertThat(SwitchboardCli.newCommandLine().execute(all.toArray(String[]::new))).isZero();
        } finally {
            System.setOut(stdout);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private static JsonNode group(JsonNode report, String tenant) {
        for (JsonNode g : report.get("groups")) {
            if (g.at("/group/tenant").asText().equals(tenant)) {
                return g;
            }
        }
        throw new AssertionError("no group " + tenant + " in " + report);
    }

    @Test
    void spendTokensWhatIfCostsCacheSavingsInternalShareAndSloByTenant() throws Exception {
        JsonNode r = JSON.readTree(run("--format", "json"));
        assertThat(r.get("currency").asText()).isEqualTo("CNY");
        assertThat(r.get("skipped_lines").asLong()).isEqualTo(1);

        JsonNode retail = group(r, "retail-app");
        assertThat(retail.get("requests").asLong()).isEqualTo(9);
        assertThat(retail.get("errors").asLong()).isEqualTo(1);
        assertThat(retail.get("prompt_tokens").asLong()).isEqualTo(8000);
        assertThat(retail.get("completion_tokens").asLong()).isEqualTo(4000);
        assertThat(retail.get("spend").asDouble()).isCloseTo(0.11, within(1e-9));
        assertThat(retail.at("/if_all_on/hosted-100b").asDouble()).isCloseTo(0.4, within(1e-9));
        assertThat(retail.at("/if_all_on/inhouse-10b").asDouble()).isCloseTo(0.016, within(1e-9));
        assertThat(retail.get("cache_hits").asLong()).isEqualTo(1);
        assertThat(retail.get("cache_saved").asDouble()).isCloseTo(0.002, within(1e-9));
        assertThat(retail.get("slo_judged").asLong()).isEqualTo(7);
        assertThat(retail.get("slo_met").asLong()).isEqualTo(6);

        JsonNode risk = group(r, "risk-team");
        assertThat(risk.get("kept_internal").asLong()).isEqualTo(3);
        assertThat(risk.at("/if_all_on/hosted-100b").asDouble()).isCloseTo(0.12, within(1e-9));
        assertThat(risk.get("slo_judged").asLong()).isZero();

        JsonNode batch = group(r, "batch");
        assertThat(batch.get("slo_judged").asLong()).isEqualTo(3);
        assertThat(batch.get("slo_met").asLong()).isEqualTo(2);
        assertThat(batch.at("/if_all_on/hosted-100b").asDouble()).isCloseTo(0.024, within(1e-9));

        JsonNode total = r.get("total");
        assertThat(total.get("requests").asLong()).isEqualTo(15);
        assertThat(total.get("spend").asDouble()).isCloseTo(0.1169, within(1e-9));
        assertThat(total.at("/if_all_on/hosted-100b").asDouble()).isCloseTo(0.544, within(1e-9));
    }

    @Test
    void groupsByRouteAndDayAndRendersTableCsvAndOneSelfContainedHtmlPage() throws Exception {
        JsonNode r = JSON.readTree(run("--format", "json", "--by", "route,day"));
        assertThat(r.get("groups")).extracting(g -> g.at("/group/route").asText() + " " + g.at("/group/day").asText())
                .containsExactly("(none) 2026-12-01", "chat 2026-12-01");
        String table = run();
        assertThat(table).contains("retail-app").contains("if all on hosted-100b").contains("total");
        String csv = run("--format", "csv");
        assertThat(csv.lines().findFirst().orElseThrow()).startsWith("tenant,requests,errors");
        assertThat(csv.lines().count()).isEqualTo(5); // header, three tenants, total
        Path html = dir.resolve("report.html");
        run("--format", "html", "--out", html.toString());
        String page = Files.readString(html);
        assertThat(page).startsWith("<!DOCTYPE html>").contains("<svg").contains("risk-team")
                .doesNotContain("src=").doesNotContain("href=");
    }

    @Test
    void badArgumentsAreClearErrors() {
        assertThat(SwitchboardCli.newCommandLine().execute("report", "--config", config.toString(), "--audit",
                audit.toString(), "--by", "colour")).isEqualTo(2);
        assertThat(SwitchboardCli.newCommandLine().execute("report", "--config", config.toString(), "--audit",
                dir.resolve("missing.jsonl").toString())).isEqualTo(1);
    }
}
