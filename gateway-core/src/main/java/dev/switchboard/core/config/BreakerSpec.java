package dev.switchboard.core.config;

import java.time.Duration;

/**
 * A backend's circuit breaker (resilience4j, one per backend, never per route).
 *
 * @param failureRate    percentage of failed calls in the window that opens the breaker
 * @param slowCallRate   percentage of slow calls in the window that opens it
 * @param slowCall       a call slower than this is slow (streams: time to the first token)
 * @param window         calls in the sliding window
 * @param minimumCalls   calls needed in the window before rates count
 * @param openFor        how long an open breaker rejects calls before letting probes through
 * @param halfOpenCalls  probe calls in the half-open state
 */
public record BreakerSpec(float failureRate, float slowCallRate, Duration slowCall, int window, int minimumCalls,
        Duration openFor, int halfOpenCalls) {
    public static final BreakerSpec DEFAULTS = new BreakerSpec(50, 100, Duration.ofSeconds(60), 20, 10,
            Duration.ofSeconds(30), 2);
}
