package dev.switchboard.core;

import dev.switchboard.core.backend.UpstreamFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The gateway's own counters (Micrometer): upstream failures by kind, retries, breaker state changes. The sidecar
 * exposes the registry at {@code /metrics}; an embedding application passes its own in {@link GatewayOptions}.
 */
final class GatewayMetrics {
    private final MeterRegistry registry;

    GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void upstreamFailure(String backend, UpstreamFailure.Kind kind) {
        Counter.builder("switchboard.upstream.failures").description("Failed upstream calls by backend and kind")
                .tag("backend", backend).tag("kind", kind.metricName()).register(registry).increment();
    }

    void retry(String backend) {
        Counter.builder("switchboard.upstream.retries").description("Calls retried on the same backend")
                .tag("backend", backend).register(registry).increment();
    }

    void skipped(String backend, String reason) {
        Counter.builder("switchboard.candidates.skipped").description("Candidates passed over at admission")
                .tag("backend", backend).tag("reason", reason).register(registry).increment();
    }

    /**
     * A finished call, in the OpenTelemetry GenAI names: {@code gen_ai.client.token.usage} (by token type) and
     * {@code gen_ai.client.operation.duration}; plus the gateway's decisions and spend.
     */
    void call(CallRecord r) {
        String backend = r.backend() == null ? "none" : r.backend();
        String route = r.decision() == null ? "none" : r.decision().route();
        String outcome = r.error() == null ? "ok" : r.error();
        io.micrometer.core.instrument.Timer.builder("gen_ai.client.operation.duration")
                .description("Duration of calls through the gateway").tag("gen_ai.operation.name", "chat")
                .tag("backend", backend).tag("route", route).tag("outcome", outcome)
                .register(registry).record(java.time.Duration.ofMillis(r.millis()));
        if (r.usage().known()) {
            io.micrometer.core.instrument.DistributionSummary.builder("gen_ai.client.token.usage")
                    .description("Tokens used per call").baseUnit("tokens").tag("gen_ai.token.type", "input")
                    .tag("backend", backend).register(registry).record(r.usage().promptTokens());
            io.micrometer.core.instrument.DistributionSummary.builder("gen_ai.client.token.usage")
                    .description("Tokens used per call").baseUnit("tokens").tag("gen_ai.token.type", "output")
                    .tag("backend", backend).register(registry).record(r.usage().completionTokens());
        }
        if (r.decision() != null) {
            Counter.builder("switchboard.decisions").description("Routing decisions by route and rule")
                    .tag("route", route).tag("rule", Integer.toString(r.decision().ruleIndex()))
                    .register(registry).increment();
        }
        if (r.cost() > 0) {
            Counter.builder("switchboard.spend").description("Settled cost by tenant").tag("tenant", r.tenant())
                    .tag("currency", r.currency()).register(registry).increment(r.cost());
        }
    }

    void firstToken(String backend, java.time.Duration d) {
        io.micrometer.core.instrument.Timer.builder("gen_ai.server.time_to_first_token")
                .description("Time to the first streamed token").tag("backend", backend).register(registry).record(d);
    }

    void breakerTransition(String backend, String from, String to) {
        Counter.builder("switchboard.breaker.transitions").description("Circuit breaker state changes")
                .tag("backend", backend).tag("from", from.toLowerCase(java.util.Locale.ROOT))
                .tag("to", to.toLowerCase(java.util.Locale.ROOT)).register(registry).increment();
    }
}
