package dev.switchboard.core.internal;

import dev.switchboard.core.CallRecord;
import dev.switchboard.core.backend.UpstreamFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The gateway's own counters (Micrometer): upstream failures by kind, retries, breaker state changes. The sidecar
 * exposes the registry at {@code /metrics}; an embedding application passes its own in {@link GatewayOptions}.
 */
public final class GatewayMetrics {
    private final MeterRegistry registry;

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void upstreamFailure(String backend, UpstreamFailure.Kind kind) {
        Counter.builder("switchboard.upstream.failures").description("Failed upstream calls by backend and kind")
                .tag("backend", backend).tag("kind", kind.metricName()).register(registry).increment();
    }

    /** The egress guard refused a body bound for an external backend: one count per kind found. */
    public void egressRefused(String backend, dev.switchboard.core.compliance.Assessment found) {
        for (String kind : found.kinds()) {
            Counter.builder("switchboard.egress.refusals").description("Bodies the egress guard refused to send to "
                    + "an external backend, by backend and kind of customer data found")
                    .tag("backend", backend).tag("kind", kind).register(registry).increment();
        }
    }

    /**
     * Registers the counters an alert watches at 0 before their first event, so the first egress refusal or shed
     * request is an increase Prometheus sees (a series that starts at 1 has no increase to alert on).
     */
    public void prime(java.util.Collection<String> externalBackends, java.util.Collection<String> kinds,
            java.util.Collection<String> shedScopes) {
        for (String backend : externalBackends) {
            for (String kind : kinds) {
                Counter.builder("switchboard.egress.refusals").description("Bodies the egress guard refused to send "
                        + "to an external backend, by backend and kind of customer data found")
                        .tag("backend", backend).tag("kind", kind).register(registry);
            }
        }
        for (String scope : shedScopes) {
            cached(new Key("shed", scope, "", ""), () -> Counter.builder("switchboard.requests.shed")
                    .description("Requests shed over a concurrency limit").tag("scope", scope)
                    .register(registry));
        }
    }

    /**
     * Registers a backend's failure, retry, hedge and cool-down counters at 0, so a dashboard or an alert has a
     * series to read before the first event (and sees the first one as an increase).
     */
    public void prime(String backend) {
        for (UpstreamFailure.Kind kind : UpstreamFailure.Kind.values()) {
            Counter.builder("switchboard.upstream.failures").description("Failed upstream calls by backend and kind")
                    .tag("backend", backend).tag("kind", kind.metricName()).register(registry);
        }
        Counter.builder("switchboard.upstream.retries").description("Calls retried on the same backend")
                .tag("backend", backend).register(registry);
        cached(new Key("hedge", backend, "", ""), () -> Counter.builder("switchboard.hedges")
                .description("Attempts started to race a first candidate without a first token")
                .tag("backend", backend).register(registry));
        cached(new Key("cooldown", backend, "", ""), () -> Counter.builder("switchboard.upstream.cool.downs")
                .description("Cool-downs a backend's Retry-After started").tag("backend", backend)
                .register(registry));
    }

    /** A request shed over a concurrency limit ({@code scope}: {@code gateway} or a backend's name). */
    public void shed(String scope) {
        cached(new Key("shed", scope, "", ""), () -> Counter.builder("switchboard.requests.shed")
                .description("Requests shed over a concurrency limit").tag("scope", scope)
                .register(registry)).increment();
    }

    /** A budget threshold was crossed (once per period, across the fleet). */
    public void budgetAlert(String tenant, String period, String threshold) {
        Counter.builder("switchboard.budget.alerts").description("Budget thresholds crossed, once per period each")
                .tag("tenant", tenant).tag("period", period).tag("threshold", threshold).register(registry)
                .increment();
    }

    /** A slow first candidate was raced with {@code backend}. */
    public void hedge(String backend) {
        cached(new Key("hedge", backend, "", ""), () -> Counter.builder("switchboard.hedges")
                .description("Attempts started to race a first candidate without a first token")
                .tag("backend", backend).register(registry)).increment();
    }

    /** A backend's {@code Retry-After} put it in a cool-down. */
    public void coolDown(String backend) {
        cached(new Key("cooldown", backend, "", ""), () -> Counter.builder("switchboard.upstream.cool.downs")
                .description("Cool-downs a backend's Retry-After started").tag("backend", backend)
                .register(registry)).increment();
    }

    public void retry(String backend) {
        Counter.builder("switchboard.upstream.retries").description("Calls retried on the same backend")
                .tag("backend", backend).register(registry).increment();
    }

    public void skipped(String backend, String reason) {
        Counter.builder("switchboard.candidates.skipped").description("Candidates passed over at admission")
                .tag("backend", backend).tag("reason", reason).register(registry).increment();
    }

    /**
     * A finished call, in the OpenTelemetry GenAI names: {@code gen_ai.client.token.usage} (by token type) and
     * {@code gen_ai.client.operation.duration}; plus the gateway's decisions and spend.
     */
    public void call(CallRecord r) {
        String backend = r.backend() == null ? "none" : r.backend();
        String route = r.decision() == null ? "none" : r.decision().route();
        String outcome = r.error() == null ? "ok" : r.error();
        cached(new Key("duration", backend, route, outcome), () -> io.micrometer.core.instrument.Timer
                .builder("gen_ai.client.operation.duration")
                .description("Duration of calls through the gateway").tag("gen_ai.operation.name", "chat")
                .tag("backend", backend).tag("route", route).tag("outcome", outcome)
                // Buckets: latency SLO alerts need them, and a bucket carries an exemplar (a trace id) where the
                // registry keeps them; bounded to what a call can take, so a series has a few dozen, not hundreds.
                .publishPercentileHistogram().minimumExpectedValue(java.time.Duration.ofMillis(1))
                .maximumExpectedValue(java.time.Duration.ofMinutes(10))
                .register(registry)).record(r.millis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        if (r.usage().known()) {
            tokens(backend, "input").record(r.usage().promptTokens());
            tokens(backend, "output").record(r.usage().completionTokens());
        }
        if (r.decision() != null) {
            String rule = Integer.toString(r.decision().ruleIndex());
            cached(new Key("decisions", route, rule, ""), () -> Counter.builder("switchboard.decisions")
                    .description("Routing decisions by route and rule").tag("route", route).tag("rule", rule)
                    .register(registry)).increment();
        }
        String action = r.compliance().wire();
        cached(new Key("compliance", action, "", ""), () -> Counter.builder("switchboard.compliance.verdicts")
                .description("Requests by what the compliance policy did with them (none, route-internal, masked, "
                        + "blocked...)").tag("action", action).register(registry)).increment();
        if (r.cost() > 0) {
            cached(new Key("spend", r.tenant(), r.currency(), ""), () -> Counter.builder("switchboard.spend")
                    .description("Settled cost by tenant").tag("tenant", r.tenant()).tag("currency", r.currency())
                    .register(registry)).increment(r.cost());
        }
    }

    private io.micrometer.core.instrument.DistributionSummary tokens(String backend, String type) {
        return cached(new Key("tokens", backend, type, ""), () -> io.micrometer.core.instrument.DistributionSummary
                .builder("gen_ai.client.token.usage").description("Tokens used per call").baseUnit("tokens")
                .tag("gen_ai.token.type", type).tag("backend", backend).register(registry));
    }

    /**
     * The meters of every call, looked up by a small key instead of being built and registered each time (which
     * builds their tags and id anew and was a visible share of a request's cost). Their number is bounded by the
     * config: backends, routes, rules, outcomes, tenants.
     */
    private record Key(String meter, String a, String b, String c) {
    }

    private final java.util.concurrent.ConcurrentHashMap<Key, Object> meters =
            new java.util.concurrent.ConcurrentHashMap<>();

    @SuppressWarnings("unchecked")
    private <M> M cached(Key key, java.util.function.Supplier<M> register) {
        Object m = meters.get(key);
        if (m == null) {
            m = meters.computeIfAbsent(key, k -> register.get());
        }
        return (M) m;
    }

    /**
     * The first token of an attempt, by backend and by the route and rule that chose it: a rule's first-token SLO
     * ({@code switchboard_slo_first_token_seconds}) is compared with this histogram's p95 by the shipped alert.
     */
    public void firstToken(String backend, dev.switchboard.core.routing.RoutingDecision decision,
            java.time.Duration d) {
        String route = decision == null ? "none" : decision.route();
        String rule = decision == null ? "none" : Integer.toString(decision.ruleIndex());
        cached(new Key("first-token", backend, route, rule), () -> io.micrometer.core.instrument.Timer
                .builder("gen_ai.server.time_to_first_token").description("Time to the first streamed token")
                .tag("backend", backend).tag("route", route).tag("rule", rule).publishPercentileHistogram()
                .minimumExpectedValue(java.time.Duration.ofMillis(1)).maximumExpectedValue(java.time.Duration.ofMinutes(2))
                .register(registry)).record(d);
    }

    public void breakerTransition(String backend, dev.switchboard.core.resilience.BreakerState from,
            dev.switchboard.core.resilience.BreakerState to) {
        Counter.builder("switchboard.breaker.transitions").description("Circuit breaker state changes")
                .tag("backend", backend).tag("from", from.wire()).tag("to", to.wire()).register(registry).increment();
    }
}
