package dev.switchboard.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which configs count prompt tokens as a matter of course, and so load the tokenizer at start. */
class CountsPromptTokensTest {
    private static GatewaySpec parse(String backendExtra, String when, String extra) {
        return ConfigLoader.withEnv(k -> null).parse("""
                backends:
                  - { name: inhouse, base-url: "http://127.0.0.1:9/v1", model: small, residency: internal %s }
                routes:
                  - name: chat
                    rules:
                      %s
                      - { use: [inhouse] }
                %s
                """.formatted(backendExtra, when, extra), "test");
    }

    @Test
    void unpricedBackendsAndNoTokenConditionsCountNothing() {
        assertThat(parse("", "", "").countsPromptTokens()).isFalse();
        assertThat(parse(", price: { input-per-mtok: 0, output-per-mtok: 2, currency: USD }", "", "")
                .countsPromptTokens()).as("output price only: the prompt does not change the cost").isFalse();
    }

    @Test
    void aPricedPromptATokenConditionAQuotaOrTheAuditLogCount() {
        assertThat(parse(", price: { input-per-mtok: 3, output-per-mtok: 15, currency: USD }", "", "")
                .countsPromptTokens()).isTrue();
        assertThat(parse("", "- { when: { prompt-tokens: { gt: 100 } }, use: [inhouse] }", "")
                .countsPromptTokens()).isTrue();
        assertThat(parse("", "- { when: { any: [ { model: [x] }, { not: { prompt-tokens: { lt: 9 } } } ] }, "
                + "use: [inhouse] }", "").countsPromptTokens()).as("nested").isTrue();
        assertThat(parse("", "", "audit: { path: ./audit.jsonl }").countsPromptTokens()).isTrue();
        assertThat(parse("", "", "quotas: [ { tenant: retail-app, tokens-per-minute: 20000 } ]")
                .countsPromptTokens()).isTrue();
    }
}
