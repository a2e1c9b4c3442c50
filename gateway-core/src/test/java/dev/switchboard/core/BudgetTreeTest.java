package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.switchboard.core.budget.TenantBudget;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.testkit.ManualClock;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A budget tree — a bank, a department, its applications — where a call reserves at every level its tenant belongs
 * to: a department's limit stops every application under it, the refusal names the level, and spend settles at
 * every level.
 */
class BudgetTreeTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-02T09:00:00Z"));
    private MockModelServer model;
    private Gateway gateway;

    @BeforeEach
    void start() {
        model = MockModelServer.start(MockModelOptions.builder().model("small").responseTokens(16).build());
        gateway = Gateway.create(ConfigLoader.withEnv(k -> null).parse("""
                backends:
                  - { name: inhouse-10b, base-url: "%s", model: small, residency: internal,
                      price: { input-per-mtok: 1000, output-per-mtok: 1000, currency: CNY } }
                routes:
                  - { name: chat, rules: [ { use: [inhouse-10b] } ] }
                budgets:
                  - { group: bank, limit: 1 CNY/day }
                  - { group: retail, parent: bank, limit: 0.05 CNY/day }
                  - { tenant: retail-app, parent: retail, limit: 1 CNY/day }
                  - { tenant: retail-web, parent: retail }
                  - { tenant: risk-app, parent: bank, limit: 1 CNY/day }
                """.formatted(model.baseUrl()), "tree.yaml"), GatewayOptions.defaults().withClock(clock));
    }

    @AfterEach
    void stop() {
        gateway.close();
        model.close();
    }

    private static GatewayRequest chat(String tenant) {
        return GatewayRequest.chat("{\"model\":\"chat\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"What is a SWIFT code?\"}]}").withTenant(tenant);
    }

    private Map<String, TenantBudget> budgets() {
        return gateway.budgets().stream().collect(Collectors.toMap(TenantBudget::tenant, b -> b));
    }

    @Test
    void aDepartmentsLimitStopsEveryApplicationUnderItAndIsNamed() {
        double first = gateway.chat(chat("retail-app")).cost();
        assertThat(first).isPositive();
        // Settled at every level the tenant belongs to.
        Map<String, TenantBudget> b = budgets();
        assertThat(b.get("retail-app").spentToday().doubleValue()).isEqualTo(first);
        assertThat(b.get("@retail").spentToday().doubleValue()).isEqualTo(first);
        assertThat(b.get("@bank").spentToday().doubleValue()).isEqualTo(first);
        // The department has no room for another worst case: its other application is refused, naming it.
        GatewayException refused = catchThrowableOfType(() -> gateway.chat(chat("retail-web")), GatewayException.class);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.getMessage()).contains("tenant 'retail-web' has not enough budget left")
                .contains("the budget of group 'retail' above it");
        assertThat(catchThrowableOfType(() -> gateway.chat(chat("retail-app")), GatewayException.class).status())
                .isEqualTo(429);
        // Nothing the refused calls reserved stays held, at any level.
        b = budgets();
        assertThat(b.get("@retail").reservedToday().signum()).isZero();
        assertThat(b.get("@bank").reservedToday().signum()).isZero();
        assertThat(b.get("retail-app").reservedToday().signum()).isZero();
        // Another department's application still has the bank's room.
        assertThat(gateway.chat(chat("risk-app")).backend()).isEqualTo("inhouse-10b");
        assertThat(budgets().get("@bank").spentToday().doubleValue()).isGreaterThan(first);
    }

    @Test
    void theTreeIsCheckedWhenTheConfigIsRead() {
        ConfigException e = catchThrowableOfType(() -> ConfigLoader.withEnv(k -> null).parse("""
                backends: [ { name: inhouse-10b, base-url: "http://127.0.0.1:1/v1", model: m, residency: internal } ]
                routes: [ { name: chat, rules: [ { use: [inhouse-10b] } ] } ]
                budgets:
                  - { group: a, parent: b, limit: 1 USD/day }
                  - { group: b, parent: a, limit: 1 USD/day }
                  - { tenant: app, parent: nowhere }
                  - { tenant: x, group: y, limit: 1 USD/day }
                  - { group: empty }
                """, "bad.yaml"), ConfigException.class);
        assertThat(e.errors()).extracting(Object::toString)
                .anySatisfy(s -> assertThat(s).contains("budgets[0].parent").contains("come back"))
                .anySatisfy(s -> assertThat(s).contains("budgets[2].parent").contains("'nowhere' is not a group"))
                .anySatisfy(s -> assertThat(s).contains("budgets[3]").contains("either 'tenant'"))
                .anySatisfy(s -> assertThat(s).contains("budgets[4]").contains("expected a limit"));
    }
}
