package dev.switchboard.server.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The what-if simulator on the sample traffic and the example configs. */
class SimulationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path TRAFFIC = Path.of("../examples/traffic/sample.jsonl");

    private static GatewaySpec load(String name) {
        return ConfigLoader.withEnv(k -> null).load(Path.of("../examples/configs", name));
    }

    @Test
    void comparesTwoConfigsSideBySide() throws Exception {
        String json = Simulation.run(load("demo.yaml"), "A", load("what-if-hosted-first.yaml"), "B", TRAFFIC, 1,
                "json", null);
        JsonNode a = JSON.readTree(json).get("A");
        JsonNode b = JSON.readTree(json).get("B");
        assertThat(a.get("requests").asText()).isEqualTo("3000");
        assertThat(b.get("requests").asText()).isEqualTo("3000");
        // The what-if sends everything it can to the hosted model: no in-house traffic, a bigger bill.
        assertThat(b.get("backend inhouse-10b requests").asText()).isEqualTo("0");
        assertThat(Long.parseLong(a.get("backend inhouse-10b requests").asText())).isPositive();
        assertThat(cost(b)).isGreaterThan(cost(a));
        // Rule hits follow the traffic: AML reports hit the header rule in both.
        assertThat(a.get("chat rule 0 hits").asText()).isEqualTo(b.get("chat rule 0 hits").asText());
        // The in-house model answers faster: customer service is quicker under A.
        assertThat(Double.parseDouble(a.get("scenario customer-service first token p50 ms").asText()))
                .isLessThan(Double.parseDouble(b.get("scenario customer-service first token p50 ms").asText()));
    }

    private static double cost(JsonNode config) {
        return Double.parseDouble(config.get("total cost").asText().split(" ")[0]);
    }

    @Test
    void tableAndCsvHaveOneRowPerMetric() throws Exception {
        String table = Simulation.run(load("demo.yaml"), "demo.yaml", null, null, TRAFFIC, 1, "table", null);
        assertThat(table).contains("total cost", "spill-overs", "chat rule 2 hits", "budget retail-app exhausted at");
        String csv = Simulation.run(load("demo.yaml"), "demo.yaml", null, null, TRAFFIC, 1, "csv", null);
        List<String> lines = csv.lines().toList();
        assertThat(lines.get(0)).isEqualTo("metric,demo.yaml");
        assertThat(lines).anyMatch(l -> l.startsWith("requests,3000"));
    }

    @Test
    void anAuditLogIsTrafficToo(@TempDir Path dir) throws Exception {
        Path audit = dir.resolve("decisions.jsonl");
        Files.writeString(audit, """
                {"time":"2026-11-30T09:00:00Z","request_id":"req_1","tenant":"retail-app","model":"chat","stream":false,"status":200,"estimated_prompt_tokens":120,"prompt_tokens":110,"completion_tokens":80}
                {"time":"2026-11-30T09:00:05Z","request_id":"req_2","tenant":"retail-app","model":"chat","stream":true,"status":200,"estimated_prompt_tokens":9000,"completion_tokens":300}
                """);
        String json = Simulation.run(load("demo.yaml"), "A", null, null, audit, 1, "json", null);
        JsonNode a = JSON.readTree(json).get("A");
        assertThat(a.get("requests").asText()).isEqualTo("2");
        assertThat(a.get("chat rule 1 hits").asText()).isEqualTo("1"); // the long prompt
    }

    @Test
    void aBudgetRunsOutAndTheTenantMovesInside() throws Exception {
        GatewaySpec tight = ConfigLoader.withEnv(k -> null).parse(Files.readString(Path.of(
                "../examples/configs/what-if-hosted-first.yaml")).replace("limit: 50 CNY/day", "limit: 1 CNY/day"),
                "tight");
        String json = Simulation.run(tight, "tight", null, null, TRAFFIC, 1, "json", null);
        JsonNode r = JSON.readTree(json).get("tight");
        assertThat(r.get("budget retail-app exhausted at").asText()).endsWith(" s");
        assertThat(Long.parseLong(r.get("backend inhouse-10b requests").asText())).isPositive();
    }

    /** The simulator runs the live scan and policy: prompts holding customer data never go to the hosted model. */
    @Test
    void customerDataStaysInsideInTheSimulationToo(@TempDir Path dir) throws Exception {
        Path traffic = dir.resolve("traffic.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            lines.append("{\"t\":").append(i).append(",\"tenant\":\"retail\",\"model\":\"chat\",\"headers\":"
                    + "{\"x-scenario\":\"aml-report\"},\"prompt\":\"").append(i % 2 == 0
                    ? "Report on card 6222 0212 3456 7894" : "Report on the branch's quarter")
                    .append("\",\"output_tokens\":50}\n");
        }
        Files.writeString(traffic, lines);
        JsonNode a = JSON.readTree(Simulation.run(load("demo.yaml"), "A", null, null, traffic, 1, "json", null))
                .get("A");
        // The AML rule puts the hosted model first: only the ten clean prompts go there.
        assertThat(a.get("backend hosted-100b requests").asText()).isEqualTo("10");
        assertThat(a.get("backend inhouse-10b requests").asText()).isEqualTo("10");
    }
}
