package dev.switchboard.core.config;

import java.time.Duration;

/**
 * Per-backend limits.
 *
 * @param maxConcurrency    calls in flight at most (the in-house GPUs' capacity)
 * @param connectTimeout    TCP/TLS connect
 * @param firstTokenTimeout from sending the request to the first byte of the answer
 * @param idleTimeout       between two reads of a streamed answer
 * @param totalTimeout      the whole call, stream included
 */
public record LimitsSpec(int maxConcurrency, Duration connectTimeout, Duration firstTokenTimeout,
        Duration idleTimeout, Duration totalTimeout) {
    public static final LimitsSpec DEFAULTS = new LimitsSpec(1024, Duration.ofSeconds(5), Duration.ofSeconds(60),
            Duration.ofSeconds(60), Duration.ofMinutes(10));
}
