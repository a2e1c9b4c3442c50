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

    void breakerTransition(String backend, String from, String to) {
        Counter.builder("switchboard.breaker.transitions").description("Circuit breaker state changes")
                .tag("backend", backend).tag("from", from.toLowerCase(java.util.Locale.ROOT))
                .tag("to", to.toLowerCase(java.util.Locale.ROOT)).register(registry).increment();
    }
}
