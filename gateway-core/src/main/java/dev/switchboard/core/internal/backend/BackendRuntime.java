package dev.switchboard.core.internal.backend;

import dev.switchboard.core.backend.Backend;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.internal.resilience.BackendBreaker;
import dev.switchboard.core.internal.state.CapacityGate;
import dev.switchboard.core.internal.stats.BackendStats;

/**
 * One named backend as the chain uses it: the transport (behind the egress guard when it is external), its live
 * statistics, its circuit breaker, its capacity gate and its adaptive concurrency limit (null when it has none).
 */
public record BackendRuntime(Backend backend, BackendStats stats, BackendBreaker breaker, CapacityGate capacity,
        dev.switchboard.core.internal.overload.ConcurrencyLimit limit) {
    public BackendSpec spec() {
        return backend.spec();
    }

    public String name() {
        return backend.spec().name();
    }
}
