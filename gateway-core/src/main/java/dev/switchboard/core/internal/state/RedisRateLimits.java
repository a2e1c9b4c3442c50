package dev.switchboard.core.internal.state;

import dev.switchboard.core.config.RateLimitSpec;
import dev.switchboard.core.config.StateSpec;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Per-tenant token buckets shared by every sidecar ({@code rate:{tenant}}), one script per request. While Redis
 * is away each sidecar applies the limits to its own traffic (or refuses, by config).
 */
final class RedisRateLimits implements RateLimits {
    private static final CompletableFuture<Void> ALLOWED = CompletableFuture.completedFuture(null);
    private final RedisStateStore store;
    private final RateLimiter local;

    RedisRateLimits(RedisStateStore store, RateLimiter local) {
        this.store = store;
        this.local = local;
    }

    @Override
    public CompletableFuture<Void> acquire(String tenant) {
        RateLimitSpec spec = local.limitOf(tenant);
        if (spec == null) {
            return ALLOWED;
        }
        CompletableFuture<Long> wait = store.eval("rate_limit", RedisStateStore.RATE_LIMIT_SCRIPT, ScriptOutputType.INTEGER,
                new String[] {store.key("rate:{" + tenant + "}")}, store.clock().millis(), spec.requestsPerSecond(),
                spec.burst());
        return wait.handle((ms, error) -> {
            if (error == null) {
                if (ms > 0) {
                    throw new RateLimiter.RateLimitedException("tenant '" + tenant + "' is over its rate of "
                            + spec.requestsPerSecond() + " requests per second", Duration.ofMillis(ms));
                }
                return null;
            }
            store.fellBack("rate_limits");
            if (store.policy().rateLimits() == StateSpec.RateLimitFallback.REJECT) {
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                throw new StateUnavailableException("the rate limit of tenant '" + tenant + "' is kept in the "
                        + "shared state store, which cannot be reached", cause);
            }
            local.acquire(tenant); // throws 429 when this sidecar's own traffic is over the rate
            return null;
        });
    }
}
