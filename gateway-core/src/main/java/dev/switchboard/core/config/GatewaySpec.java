package dev.switchboard.core.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A whole config file, bound and validated: the input of the routing table compiler. */
public record GatewaySpec(ServerSpec server, List<BackendSpec> backends, List<RouteSpec> routes,
        List<BudgetSpec> budgets, AuditSpec audit, RetrySpec retry, ComplianceSpec compliance, CacheSpec cache,
        List<RateLimitSpec> rateLimits, StateSpec state, OverloadSpec overload, TelemetrySpec telemetry,
        AlertsSpec alerts, List<QuotaSpec> quotas) {
    public GatewaySpec {
        quotas = List.copyOf(quotas);
        Objects.requireNonNull(alerts, "alerts");
        Objects.requireNonNull(telemetry, "telemetry");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(overload, "overload");
        rateLimits = List.copyOf(rateLimits);
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(compliance, "compliance");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(server, "server");
        backends = List.copyOf(backends);
        routes = List.copyOf(routes);
        budgets = List.copyOf(budgets);
        Objects.requireNonNull(audit, "audit");
    }

    /** Without budget alerts' webhook. */
    public GatewaySpec(ServerSpec server, List<BackendSpec> backends, List<RouteSpec> routes,
            List<BudgetSpec> budgets, AuditSpec audit, RetrySpec retry, ComplianceSpec compliance, CacheSpec cache,
            List<RateLimitSpec> rateLimits, StateSpec state, OverloadSpec overload, TelemetrySpec telemetry) {
        this(server, backends, routes, budgets, audit, retry, compliance, cache, rateLimits, state, overload, telemetry,
                AlertsSpec.NONE, List.of());
    }

    public Optional<BudgetSpec> budget(String tenant) {
        return budgets.stream().filter(b -> b.tenant().equals(tenant)).findFirst();
    }

    public Optional<BackendSpec> backend(String name) {
        return backends.stream().filter(b -> b.name().equals(name)).findFirst();
    }

    /**
     * Whether this config's requests have their prompt tokens counted as a matter of course: a backend whose input
     * has a price (its cost estimate), a {@code prompt-tokens} condition, a quota, or the audit log (its records
     * carry the estimate). Without any, only a reader such as {@code /admin/explain} asks for a count.
     */
    public boolean countsPromptTokens() {
        return audit.enabled() || !quotas.isEmpty()
                || backends.stream().anyMatch(b -> b.price().inputPerMtok() != 0 && b.tokenFactor() != 0)
                || routes.stream().flatMap(r -> r.rules().stream()).anyMatch(r -> asksForTokens(r.when()));
    }

    private static boolean asksForTokens(ConditionSpec c) {
        if (c instanceof ConditionSpec.PromptTokens) {
            return true;
        }
        if (c instanceof ConditionSpec.All all) {
            return all.parts().stream().anyMatch(GatewaySpec::asksForTokens);
        }
        if (c instanceof ConditionSpec.Any any) {
            return any.parts().stream().anyMatch(GatewaySpec::asksForTokens);
        }
        return c instanceof ConditionSpec.Not not && asksForTokens(not.part());
    }
}
