package dev.switchboard.core.internal.state;

import dev.switchboard.core.budget.TenantBudget;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.config.BudgetSpec;
import dev.switchboard.core.config.CacheSpec;
import dev.switchboard.core.config.RateLimitSpec;
import dev.switchboard.core.config.Residency;
import dev.switchboard.core.internal.budget.BudgetLedger;
import dev.switchboard.core.internal.budget.BudgetReservation;
import dev.switchboard.core.internal.stats.BackendStats;
import dev.switchboard.core.state.StoreHealth;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * State in this process only: every future it returns is already complete, so admission costs no hand-off.
 */
final class MemoryStateStore implements StateStore {
    private static final CompletableFuture<Void> ALLOWED = CompletableFuture.completedFuture(null);
    private static final CompletableFuture<CapacityGate.Slot> FULL = CompletableFuture.completedFuture(null);
    private final Clock clock;
    private final CoolDowns coolDowns;
    /** What {@link #claimOnce} has given, until when (epoch ms). */
    private final java.util.concurrent.ConcurrentHashMap<String, Long> claims =
            new java.util.concurrent.ConcurrentHashMap<>();

    MemoryStateStore(Clock clock) {
        this.clock = clock;
        this.coolDowns = new LocalCoolDowns(clock);
    }

    @Override
    public CompletableFuture<Boolean> claimOnce(String key, java.time.Duration ttl) {
        long now = clock.millis();
        claims.values().removeIf(until -> until <= now);
        boolean[] first = {false};
        claims.compute(key, (k, until) -> {
            if (until != null && until > now) {
                return until;
            }
            first[0] = true;
            return now + ttl.toMillis();
        });
        return CompletableFuture.completedFuture(first[0]);
    }

    @Override
    public dev.switchboard.core.internal.quota.QuotaStore quotas(List<dev.switchboard.core.config.QuotaSpec> quotas) {
        return new dev.switchboard.core.internal.quota.LocalQuotas(quotas, clock);
    }

    @Override
    public BudgetStore budgets(List<BudgetSpec> budgets) {
        return new LocalBudgets(new BudgetLedger(budgets, clock));
    }

    @Override
    public CapacityGate capacity(BackendSpec backend, BackendStats stats) {
        return localCapacity(stats);
    }

    static CapacityGate localCapacity(BackendStats stats) {
        CompletableFuture<CapacityGate.Slot> granted = CompletableFuture.completedFuture(stats::release);
        return () -> stats.tryAcquire() ? granted : FULL;
    }

    @Override
    public RateLimits rateLimits(List<RateLimitSpec> limits) {
        RateLimiter limiter = new RateLimiter(limits, clock);
        return tenant -> {
            try {
                limiter.acquire(tenant);
                return ALLOWED;
            } catch (RateLimiter.RateLimitedException e) {
                return CompletableFuture.failedFuture(e);
            }
        };
    }

    @Override
    public SharedCache sharedCache(CacheSpec cache) {
        return SharedCache.NONE;
    }

    @Override
    public CoolDowns coolDowns() {
        return coolDowns;
    }

    @Override
    public StoreHealth health() {
        return new StoreHealth("memory", "", true, "closed", null, null, 0, 0, 0);
    }

    @Override
    public void close() {
    }

    /** The in-process ledger behind the store's interface. */
    static final class LocalBudgets implements BudgetStore {
        private final BudgetLedger ledger;

        LocalBudgets(BudgetLedger ledger) {
            this.ledger = ledger;
        }

        @Override
        public Optional<BudgetSpec> budget(String tenant) {
            return ledger.budget(tenant);
        }

        @Override
        public boolean exhausted(String tenant) {
            return ledger.exhausted(tenant);
        }

        @Override
        public CompletableFuture<Optional<BudgetReservation>> reserve(String tenant, double worstCase,
                boolean unlimited, Residency residency) {
            return CompletableFuture.completedFuture(ledger.reserve(tenant, worstCase, unlimited)
                    .map(r -> (BudgetReservation) r));
        }

        @Override
        public CompletableFuture<List<TenantBudget>> snapshot() {
            return CompletableFuture.completedFuture(ledger.snapshot());
        }
    }
}
