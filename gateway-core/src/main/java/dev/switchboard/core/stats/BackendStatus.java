package dev.switchboard.core.stats;

import dev.switchboard.core.resilience.BreakerStatus;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One backend's live state at one moment, as routing sees it: load against capacity, whether it is cooling down
 * after a {@code Retry-After}, its circuit breaker, and the latency and error figures of the last five minutes.
 *
 * @param backend            the backend's name
 * @param inFlight           calls in flight (across every sidecar, with a shared state store)
 * @param capacity           the declared {@code max-concurrency}
 * @param coolingDownUntil   when a cool-down is in force, its end
 * @param breaker            the circuit breaker
 * @param firstTokenP50Millis time to first token, median, when there were calls
 * @param firstTokenP95Millis time to first token, 95th percentile
 * @param tokensPerSecondP50 output speed, median
 * @param tokensPerSecondP95 output speed, 95th percentile
 * @param errorRate          the share of failed calls in the window, 0 to 1
 * @param calls              calls in the window
 */
public record BackendStatus(String backend, int inFlight, int capacity, Optional<Instant> coolingDownUntil,
        BreakerStatus breaker, OptionalDouble firstTokenP50Millis, OptionalDouble firstTokenP95Millis,
        OptionalDouble tokensPerSecondP50, OptionalDouble tokensPerSecondP95, double errorRate, int calls) {
    public BackendStatus {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(coolingDownUntil, "coolingDownUntil");
        Objects.requireNonNull(breaker, "breaker");
    }
}
