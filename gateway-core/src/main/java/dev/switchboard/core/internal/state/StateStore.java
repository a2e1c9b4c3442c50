package dev.switchboard.core.internal.state;

import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.config.BudgetSpec;
import dev.switchboard.core.config.CacheSpec;
import dev.switchboard.core.config.RateLimitSpec;
import dev.switchboard.core.config.StateSpec;
import dev.switchboard.core.internal.stats.BackendStats;
import dev.switchboard.core.state.StoreHealth;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;

/**
 * Where the state that replicas must agree on lives: budgets, the capacity of backends with a declared limit,
 * rate limits and the cache's second level. The memory store keeps it in this process (the default, and what the
 * library embeds); the Redis store shares it between every sidecar pointed at the same Redis. Chosen by config
 * alone.
 */
public interface StateStore extends AutoCloseable {
    /** Opens the store the spec names. */
    static StateStore open(StateSpec spec, Clock clock, MeterRegistry meters) {
        if (spec.store() == StateSpec.Store.REDIS) {
            return new RedisStateStore(spec, clock, meters);
        }
        // In this process the state is always there; the gauge says so, so one alert rule serves both stores.
        replaceUpGauge(meters, io.micrometer.core.instrument.Gauge.builder("switchboard.state.up", () -> 1)
                .description("1 while the state store answers, else 0"));
        return new MemoryStateStore(clock);
    }

    /**
     * Registers the store's {@code switchboard.state.up}, in place of the gauge of an earlier store on the same
     * registry (a second gateway in one process: the newest store is the one that answers; Micrometer would keep
     * the first and warn).
     */
    static void replaceUpGauge(MeterRegistry meters, io.micrometer.core.instrument.Gauge.Builder<?> gauge) {
        io.micrometer.core.instrument.Meter earlier = meters.find("switchboard.state.up").meter();
        if (earlier != null) {
            meters.remove(earlier);
        }
        gauge.register(meters);
    }

    /** The budgets' ledger. */
    BudgetStore budgets(List<BudgetSpec> budgets);

    /** A backend's capacity gate; {@code stats} counts this process's calls in flight. */
    CapacityGate capacity(BackendSpec backend, BackendStats stats);

    /** The token quotas. */
    dev.switchboard.core.internal.quota.QuotaStore quotas(List<dev.switchboard.core.config.QuotaSpec> quotas);

    /** The per-tenant rate limits. */
    RateLimits rateLimits(List<RateLimitSpec> limits);

    /** The cache's second level, or {@link SharedCache#NONE}. */
    SharedCache sharedCache(CacheSpec cache);

    /** Backends cooling down after a {@code Retry-After}; one instance per store, kept across reloads. */
    CoolDowns coolDowns();

    StoreHealth health();

    /**
     * Claims {@code key} for {@code ttl}: true for the first claim (of every process sharing the store), false for
     * any later one — so something that should happen once per fleet (a budget alert) happens once.
     */
    java.util.concurrent.CompletableFuture<Boolean> claimOnce(String key, java.time.Duration ttl);

    @Override
    void close();
}
