package dev.switchboard.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Where the state that replicas must share lives: budgets, the capacity of backends with a declared
 * {@code max-concurrency}, per-tenant rate limits and the second level of the cache.
 *
 * @param store           {@code memory} (one process; the default) or {@code redis} (shared by every sidecar)
 * @param redis           the Redis connection; null for the memory store
 * @param whenUnavailable what each part does while Redis is slow or down
 */
public record StateSpec(Store store, RedisSpec redis, WhenUnavailable whenUnavailable) {
    public static final StateSpec MEMORY = new StateSpec(Store.MEMORY, null, WhenUnavailable.DEFAULTS);

    public StateSpec {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(whenUnavailable, "whenUnavailable");
        if (store == Store.REDIS) {
            Objects.requireNonNull(redis, "redis");
        }
    }

    /** The kinds of store. */
    public enum Store {
        MEMORY, REDIS
    }

    /**
     * A Redis server.
     *
     * @param uri       {@code redis://host:port[/db]} or {@code rediss://} for TLS, without credentials
     * @param username  ACL user, or empty
     * @param password  the password (redacted in admin output)
     * @param keyPrefix prefix of every key, so several gateways' state can share one Redis
     * @param timeout   every command fails after this long, and the request goes on by the fallback policy
     * @param lease     how long a reservation or capacity slot outlives a sidecar that stopped renewing it
     * @param breaker   opens after repeated failures so that requests stop waiting for a sick Redis
     */
    public record RedisSpec(String uri, String username, Secret password, String keyPrefix, Duration timeout,
            Duration lease, BreakerSpec breaker) {
        public static final BreakerSpec BREAKER_DEFAULTS = new BreakerSpec(50, 100, Duration.ofSeconds(1), 20, 5,
                Duration.ofSeconds(5), 2);
    }

    /**
     * What each part does while the store cannot be reached (a command failed, timed out, or the store's breaker
     * is open). The cache is always bypassed: a miss is never wrong.
     *
     * @param budgets    {@code internal-only} (default: calls to internal backends go on uncounted, external ones
     *                   are refused) or {@code reject} (every call of a tenant with a budget is refused)
     * @param capacity   {@code reject} (default: a backend with a shared limit counts as full, so traffic spills
     *                   over or is refused) or {@code local} (each sidecar counts its own calls against the limit)
     * @param rateLimits {@code local} (default: each sidecar applies the limits to its own traffic) or
     *                   {@code reject}
     */
    public record WhenUnavailable(BudgetFallback budgets, CapacityFallback capacity, RateLimitFallback rateLimits) {
        public static final WhenUnavailable DEFAULTS = new WhenUnavailable(BudgetFallback.INTERNAL_ONLY,
                CapacityFallback.REJECT, RateLimitFallback.LOCAL);
    }

    /** Budgets without the store. */
    public enum BudgetFallback {
        INTERNAL_ONLY, REJECT
    }

    /** Shared capacity without the store. */
    public enum CapacityFallback {
        REJECT, LOCAL
    }

    /** Rate limits without the store. */
    public enum RateLimitFallback {
        LOCAL, REJECT
    }
}
