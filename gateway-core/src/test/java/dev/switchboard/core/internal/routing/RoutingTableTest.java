package dev.switchboard.core.internal.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.StrategyKind;
import dev.switchboard.core.routing.CandidateTrace;
import dev.switchboard.core.routing.RoutingDecision;
import dev.switchboard.core.routing.RuleTrace;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RoutingTableTest {
    private static final String CONFIG = """
            backends:
              - { name: hosted, base-url: "http://h:1/v1", model: big, residency: external }
              - { name: inhouse, base-url: "http://i:1/v1", model: small, residency: internal }
              - { name: spare, base-url: "http://s:1/v1", model: small, residency: internal }
            routes:
              - name: chat
                aliases: [gpt-4o]
                rules:
                  - when: { header: { x-scenario: [aml-report, kyc] } }
                    use: [hosted, inhouse]
                    reason: quality first
                  - when: { tenant: risk, prompt-tokens: { gte: 50 } }
                    use: [hosted]
                  - when: { any: [ { tenant: ops }, { not: { prompt-tokens: { lt: 1000 } } } ] }
                    use: [spare, inhouse]
                  - when: { model: gpt-4o }
                    use: [hosted]
                  - use: [ { backend: inhouse, weight: 3 }, { backend: hosted, weight: 1 }, { backend: spare, weight: 0 } ]
                    strategy: weighted
              - name: strict
                rules:
                  - when: { tenant: nobody }
                    use: [hosted]
            """;

    private final RoutingTable table = RoutingTable.compile(ConfigLoader.withEnv(k -> null).parse(CONFIG, "t"));

    private static RoutingInput input(String model, String content, Map<String, String> headers, String tenant) {
        RequestView view = RequestView.chat("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"" + content + "\"}]}");
        return new RoutingInput(view, headers, tenant, java.time.Instant.now());
    }

    private RoutingDecision decide(RoutingInput in) {
        return table.decide(in, new Random(1));
    }

    @Test
    void headerRuleWinsAndExplainsItself() {
        RoutingDecision d = decide(input("chat", "hi", Map.of("x-scenario", "kyc"), "retail"));
        assertThat(d.route()).isEqualTo("chat");
        assertThat(d.ruleIndex()).isZero();
        assertThat(d.candidates()).containsExactly("hosted", "inhouse");
        assertThat(d.strategy()).isEqualTo(StrategyKind.PRIORITY);
        assertThat(d.traces()).extracting(CandidateTrace::reason).containsExactly("priority 1 of 2", "fallback 2 of 2");
        assertThat(d.explain()).isEqualTo("route chat rule 0 (header x-scenario in [aml-report, kyc]) "
                + "reason 'quality first' strategy priority -> hosted, inhouse");
    }

    @Test
    void tenantAndPromptTokensMustBothHold() {
        String longText = "word ".repeat(100);
        assertThat(decide(input("chat", longText, Map.of(), "risk")).ruleIndex()).isEqualTo(1);
        // Short prompt: rule 1 fails on tokens and falls through to the weighted catch-all.
        RoutingDecision shortPrompt = decide(input("chat", "hi", Map.of(), "risk"));
        assertThat(shortPrompt.ruleIndex()).isEqualTo(4);
        assertThat(shortPrompt.rules()).extracting(RuleTrace::matched).containsExactly(false, false, false, false, true);
    }

    @Test
    void anyAndNotCombine() {
        assertThat(decide(input("chat", "hi", Map.of(), "ops")).candidates()).containsExactly("spare", "inhouse");
        String huge = "lorem ipsum dolor ".repeat(400);
        assertThat(decide(input("chat", huge, Map.of(), "retail")).ruleIndex()).isEqualTo(2);
    }

    @Test
    void aliasesReachTheRouteAndTheModelCondition() {
        RoutingDecision d = decide(input("gpt-4o", "hi", Map.of(), "retail"));
        assertThat(d.route()).isEqualTo("chat");
        assertThat(d.ruleIndex()).isEqualTo(3);
    }

    @Test
    void weightedPicksInProportionAndKeepsTheOthersAsFallbacks() {
        Random random = new Random(7);
        Map<String, Integer> firsts = new HashMap<>();
        for (int i = 0; i < 4000; i++) {
            RoutingDecision d = table.decide(input("chat", "hi", Map.of(), "retail"), random);
            firsts.merge(d.candidates().get(0), 1, Integer::sum);
            assertThat(d.candidates()).hasSize(3).containsExactlyInAnyOrder("inhouse", "hosted", "spare");
            assertThat(d.candidates().get(2)).isEqualTo("spare"); // weight 0: never first, always last
        }
        assertThat(firsts.get("inhouse")).isBetween(2800, 3200);
        assertThat(firsts.get("hosted")).isBetween(800, 1200);
        assertThat(firsts).doesNotContainKey("spare");
    }

    @Test
    void unknownModelIs404AndNoMatchIsExplained() {
        assertThatThrownBy(() -> decide(input("gpt-5", "hi", Map.of(), "x")))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.MODEL_NOT_FOUND);
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.getMessage()).contains("gpt-5").contains("chat, gpt-4o, strict");
                });
        assertThatThrownBy(() -> decide(input("strict", "hi", Map.of(), "x")))
                .isInstanceOfSatisfying(GatewayException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.NO_MATCHING_RULE));
    }
}
