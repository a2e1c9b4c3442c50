package dev.switchboard.core.config;

import java.time.Duration;

/**
 * Retries on the same backend before failing over to the next candidate.
 *
 * @param attempts      tries per backend, the first included (1 = fail over at once)
 * @param backoffMin    the first backoff; each next one doubles, with full jitter
 * @param backoffMax    the largest backoff
 * @param maxRetryAfter a {@code Retry-After} longer than this is not waited for: the next candidate is tried
 */
public record RetrySpec(int attempts, Duration backoffMin, Duration backoffMax, Duration maxRetryAfter) {
    public static final RetrySpec DEFAULTS = new RetrySpec(2, Duration.ofMillis(100), Duration.ofSeconds(2),
            Duration.ofSeconds(10));
}
