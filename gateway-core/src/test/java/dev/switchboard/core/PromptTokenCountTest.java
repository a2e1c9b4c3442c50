package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.routing.DecisionFields;
import dev.switchboard.core.routing.RoutingDecision;
import org.junit.jupiter.api.Test;

/**
 * The prompt's tokens are counted only where something needs them — a priced backend's estimate, a prompt-tokens
 * condition the cheap bounds cannot decide, a reader of the decision — and then the count is the exact one.
 */
class PromptTokenCountTest {
    private static Gateway gateway(String backendExtra, String when) {
        return Gateway.create(ConfigLoader.withEnv(k -> null).parse("""
                backends:
                  - { name: inhouse, base-url: "http://127.0.0.1:9/v1", model: small, residency: internal %s }
                routes:
                  - name: chat
                    rules:
                      %s
                      - { use: [inhouse] }
                """.formatted(backendExtra, when), "test"), GatewayOptions.defaults());
    }

    private static GatewayRequest chat(String prompt) {
        return GatewayRequest.chat("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + prompt + "\"}]}");
    }

    @Test
    void aDecisionThatNeedsNoCountTakesNone() {
        try (Gateway g = gateway("", "")) {
            GatewayRequest r = chat("Summarise the quarter for the board.");
            RoutingDecision d = g.explain(r);
            assertThat(d.summary()).contains("inhouse"); // the decision header needs no count either
            assertThat(r.body().promptTokensCounted()).isFalse();
            // Read, it is counted then, exactly.
            assertThat(d.promptTokens()).isEqualTo(r.body().promptTokens()).isGreaterThan(3);
            assertThat(r.body().promptTokensCounted()).isTrue();
        }
    }

    @Test
    void aPricedBackendIsEstimatedOnTheCount() {
        try (Gateway g = gateway(", price: { input-per-mtok: 3, output-per-mtok: 15, currency: USD }", "")) {
            GatewayRequest r = chat("Summarise the quarter for the board.");
            RoutingDecision d = g.explain(r);
            assertThat(r.body().promptTokensCounted()).isTrue();
            double expected = (r.body().promptTokens() * 3.0 + d.expectedOutputTokens() * 15.0) / 1e6;
            assertThat(d.traces().get(0).estimatedCost()).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    @Test
    void aPromptTokensConditionCountsOnlyWhenTheBytesCannotDecide() {
        try (Gateway g = gateway("", "- { when: { prompt-tokens: { gt: 100 } }, use: [inhouse], reason: long }")) {
            GatewayRequest shortOne = chat("A short question about a loan.");
            RoutingDecision d = g.explain(shortOne);
            assertThat(d.ruleIndex()).isEqualTo(1); // under 100 bytes: under 100 tokens, without counting
            assertThat(shortOne.body().promptTokensCounted()).isFalse();

            GatewayRequest wordy = chat("word ".repeat(60)); // 300 bytes, about 60 tokens: the bytes cannot tell
            assertThat(g.explain(wordy).ruleIndex()).isEqualTo(1);
            assertThat(wordy.body().promptTokensCounted()).isTrue();

            GatewayRequest longOne = chat("word ".repeat(150));
            assertThat(g.explain(longOne).ruleIndex()).isZero();
            assertThat(longOne.body().promptTokensCounted()).isTrue();
        }
    }

    @Test
    void theExplanationShowsTheCountOnlyWhenSomethingTookIt() {
        try (Gateway g = gateway("", "")) {
            GatewayRequest r = chat("Summarise the quarter for the board.");
            RoutingDecision d = g.explain(r);
            assertThat(DecisionFields.of(d).get("estimated_prompt_tokens")).isNull(); // reading it never counts
            assertThat(r.body().promptTokensCounted()).isFalse();
            d.promptTokens();
            assertThat(DecisionFields.of(d).get("estimated_prompt_tokens")).isEqualTo(r.body().promptTokens());
        }
    }

    @Test
    void aDetachedDecisionKeepsTheCountButNotTheRequest() {
        try (Gateway g = gateway("", "")) {
            GatewayRequest counted = chat("Summarise the quarter for the board.");
            RoutingDecision d = g.explain(counted);
            int n = d.promptTokens();
            RoutingDecision kept = d.detached();
            assertThat(kept.promptTokens()).isEqualTo(n);
            assertThat(kept.promptTokensIfCounted()).isEqualTo(n);

            GatewayRequest uncounted = chat("Another question.");
            RoutingDecision never = g.explain(uncounted).detached();
            assertThat(never.promptTokens()).isEqualTo(-1); // not counted, for good: no request to count from
            assertThat(never.promptTokensIfCounted()).isEqualTo(-1);
            assertThat(uncounted.body().promptTokensCounted()).isFalse();
        }
    }

    @Test
    void withTheAuditLogTheRecordCarriesTheCountTakenOnTheRequestsThread(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        java.util.List<CallRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        testkitModel(model -> {
            try (Gateway g = Gateway.create(ConfigLoader.withEnv(k -> null).parse("""
                    backends:
                      - { name: inhouse, base-url: "%s", model: small, residency: internal }
                    routes:
                      - { name: chat, rules: [ { use: [inhouse] } ] }
                    audit: { path: "%s" }
                    """.formatted(model, dir.resolve("audit.jsonl").toString().replace("\\", "/")), "test"),
                    GatewayOptions.defaults().withCallListener(records::add))) {
                GatewayRequest r = chat("Summarise the quarter for the board.");
                g.chat(r);
                assertThat(r.body().promptTokensCounted()).isTrue();
                assertThat(records).singleElement().satisfies(rec ->
                        assertThat(rec.decision().promptTokensIfCounted()).isEqualTo(r.body().promptTokens()));
            }
        });
    }

    private static void testkitModel(java.util.function.Consumer<String> test) {
        try (dev.switchboard.testkit.MockModelServer model = dev.switchboard.testkit.MockModelServer.start(
                dev.switchboard.testkit.MockModelOptions.builder().model("small").responseTokens(3).build())) {
            test.accept(model.baseUrl());
        }
    }
}
