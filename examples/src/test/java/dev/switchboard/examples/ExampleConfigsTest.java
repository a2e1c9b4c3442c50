package dev.switchboard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.GatewayResponse;
import dev.switchboard.core.RequestView;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each example config in examples/configs loads and routes as its comments say, against simulated models. */
class ExampleConfigsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private MockModelServer hosted;
    private MockModelServer inhouse;

    @BeforeEach
    void start() {
        hosted = MockModelServer.start(MockModelOptions.builder().model("big-model-v3").echo(true).build());
        inhouse = MockModelServer.start(MockModelOptions.builder().model("glm-4-9b-chat").echo(true).build());
    }

    @AfterEach
    void stop() {
        hosted.close();
        inhouse.close();
    }

    private Gateway open(String name) {
        Map<String, String> env = Map.of("HOSTED_URL", hosted.baseUrl(), "INHOUSE_URL", inhouse.baseUrl());
        return Gateway.fromConfig(Path.of("configs", name), GatewayOptions.defaults().withEnv(env::get));
    }

    private static GatewayRequest chat(String model, String text, String tenant) {
        return new GatewayRequest(RequestView.chat("{\"model\":\"" + model + "\",\"temperature\":0,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"" + text + "\"}]}"), Map.of(), tenant, null);
    }

    @Test
    void customerServiceIsInHouseFirstAndCachesAnswers() {
        try (Gateway g = open("customer-service.yaml")) {
            GatewayResponse first = g.chat(chat("customer-service", "How do I reset my PIN?", "web"));
            assertThat(first.backend()).isEqualTo("inhouse-10b");
            assertThat(first.decision().summary()).contains("cheapest within SLO");
            assertThat(g.chat(chat("customer-service", "How do I reset my PIN?", "app")).cache())
                    .isEqualTo(dev.switchboard.core.cache.CacheStatus.HIT);
        }
    }

    @Test
    void amlReportsGoToTheHostedModelMasked() throws Exception {
        try (Gateway g = open("aml-report.yaml")) {
            GatewayResponse r = g.chat(chat("str-draft", "Customer 440306199003071232 moved funds", "aml-team"));
            assertThat(r.backend()).isEqualTo("hosted-100b");
            assertThat(hosted.requests().get(0).body()).contains("[ID_CARD_1]").doesNotContain("440306199003071232");
            assertThat(JSON.readTree(r.body()).at("/choices/0/message/content").asText())
                    .contains("440306199003071232");
        }
    }

    @Test
    void aSmallBankCountsEveryCallAtItsApplicationItsDepartmentAndTheBank() {
        try (Gateway g = open("small-bank.yaml")) {
            GatewayResponse r = g.chat(chat("chat", "Where is my card?", "retail-web"));
            assertThat(r.backend()).isEqualTo("inhouse-10b");
            java.util.Map<String, dev.switchboard.core.budget.TenantBudget> b = g.budgets().stream().collect(
                    java.util.stream.Collectors.toMap(dev.switchboard.core.budget.TenantBudget::tenant, t -> t));
            assertThat(b).containsKeys("@bank", "@retail-banking", "@risk", "@operations", "retail-app");
            // Settled at every level (in millionths of a yuan, as the ledger counts).
            assertThat(b.get("@retail-banking").spentToday().signum()).isPositive();
            assertThat(b.get("@bank").spentToday()).isEqualByComparingTo(b.get("@retail-banking").spentToday());
            assertThat(b.get("@retail-banking").spentToday().doubleValue())
                    .isCloseTo(r.cost(), org.assertj.core.data.Offset.offset(1e-6));
            assertThat(b.get("@risk").spentToday().signum()).isZero();
            // Risk analysis goes to the strongest model; the vendor's contracted rate and the quotas are in the chain.
            assertThat(g.chat(chat("risk-analysis", "Stress test the portfolio", "risk-models")).backend())
                    .isEqualTo("hosted-100b");
            assertThat(g.chain()).contains("quota");
            assertThat(g.spec().quotas()).extracting(q -> q.name())
                    .containsExactlyInAnyOrder("hosted-100b", "retail-web", "vendor-pilot");
        }
    }

    @Test
    void officeAssistantIsCostFirstAndSendsLongPromptsOut() {
        try (Gateway g = open("office-assistant.yaml")) {
            assertThat(g.explain(chat("assistant", "Draft a memo", "hr")).candidates())
                    .containsExactly("inhouse-10b", "hosted-100b");
            String longText = "policy clause ".repeat(13_000);
            assertThat(g.explain(chat("assistant", longText, "legal")).candidates()).containsExactly("hosted-100b");
        }
    }

    @Test
    void sensitiveDataStaysInside() {
        try (Gateway g = open("sensitive-data.yaml")) {
            assertThat(g.chat(chat("chat", "Why was card 6222021234567894 declined?", "branch")).backend())
                    .isEqualTo("inhouse-10b");
            assertThat(g.chat(chat("chat", "What is a SWIFT code?", "branch")).backend()).isEqualTo("hosted-100b");
            assertThat(hosted.requests()).allSatisfy(r -> assertThat(r.body()).doesNotContain("6222021234567894"));
        }
    }

    @Test
    void theFleetConfigSharesCacheBudgetsAndCapacityThroughRedis() throws Exception {
        try (dev.switchboard.testkit.RedisServer redis = dev.switchboard.testkit.RedisServer.start()) {
            Map<String, String> env = Map.of("HOSTED_URL", hosted.baseUrl(), "INHOUSE_URL", inhouse.baseUrl(),
                    "REDIS_URI", redis.uri());
            GatewayOptions options = GatewayOptions.defaults().withEnv(env::get);
            try (Gateway podA = Gateway.fromConfig(Path.of("configs", "fleet-on-redis.yaml"), options);
                 Gateway podB = Gateway.fromConfig(Path.of("configs", "fleet-on-redis.yaml"), options)) {
                assertThat(podA.stateHealth().store()).isEqualTo("redis");
                GatewayResponse first = podA.chat(chat("chat", "What are your opening hours?", "retail-app"));
                assertThat(first.backend()).isEqualTo("inhouse-10b");
                // The shared level is written as the answer returns, without holding it back: wait for Redis.
                long written = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
                while (redis.command("EVAL \"return #redis.call('KEYS', ARGV[1])\" 0 switchboard:cache:*")
                        .equals(":0") && System.nanoTime() < written) {
                    Thread.sleep(10);
                }
                // Pod B answers from pod A's answer, and both see the same spend.
                assertThat(podB.chat(chat("chat", "What are your opening hours?", "retail-app")).cache())
                        .isEqualTo(dev.switchboard.core.cache.CacheStatus.HIT);
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
                while (podB.budgets().get(0).spentToday().signum() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(10); // the settlement follows the answer, off the request path
                }
                assertThat(podB.budgets().get(0).spentToday()).isPositive()
                        .isEqualByComparingTo(podA.budgets().get(0).spentToday());
            }
        }
    }
}
