package dev.switchboard.core.config;

import java.util.Objects;

/**
 * A tenant's request rate: a token bucket refilled at {@code requestsPerSecond}, holding at most {@code burst}.
 *
 * @param tenant            the tenant, or {@code *} for every tenant without its own limit
 * @param requestsPerSecond sustained rate
 * @param burst             requests allowed at once
 */
public record RateLimitSpec(String tenant, double requestsPerSecond, int burst) {
    public RateLimitSpec {
        Objects.requireNonNull(tenant, "tenant");
    }
}
