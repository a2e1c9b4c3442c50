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
 * @param minTokensPerSecond a stream slower than this after its first {@link #SLOW_GRACE} is failing (0 = off)
 * @param concurrencyDeclared {@code max-concurrency} was written in the config: with a shared state store it then
 *                          counts the calls of every sidecar; the default bound stays per process
 */
public record LimitsSpec(int maxConcurrency, Duration connectTimeout, Duration firstTokenTimeout,
        Duration idleTimeout, Duration totalTimeout, double minTokensPerSecond, boolean concurrencyDeclared) {
    /** How long a stream runs before its speed is judged. */
    public static final Duration SLOW_GRACE = Duration.ofSeconds(2);
    public static final LimitsSpec DEFAULTS = new LimitsSpec(1024, Duration.ofSeconds(5), Duration.ofSeconds(60),
            Duration.ofSeconds(60), Duration.ofMinutes(10), 0, false);
}
