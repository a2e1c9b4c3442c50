package dev.switchboard.core.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.Locale;

/** A circuit breaker's state, as the admin API, the metrics and the logs name it. */
public enum BreakerState {
    CLOSED, OPEN, HALF_OPEN, DISABLED, FORCED_OPEN, METRICS_ONLY;

    static BreakerState of(CircuitBreaker.State state) {
        return valueOf(state.name());
    }

    /** {@code closed}, {@code open}, {@code half_open}, ... */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
