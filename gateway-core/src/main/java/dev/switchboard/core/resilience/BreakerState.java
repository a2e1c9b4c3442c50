package dev.switchboard.core.resilience;

import java.util.Locale;

/** A circuit breaker's state, as the admin API, the metrics and the logs name it. */
public enum BreakerState {
    CLOSED, OPEN, HALF_OPEN, DISABLED, FORCED_OPEN, METRICS_ONLY;

    /** {@code closed}, {@code open}, {@code half_open}, ... */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
