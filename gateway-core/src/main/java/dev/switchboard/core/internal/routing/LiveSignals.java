package dev.switchboard.core.internal.routing;

import dev.switchboard.core.config.BudgetSpec;
import dev.switchboard.core.internal.stats.BackendStats;
import java.util.Optional;

/** What a decision may know of the present: backends' statistics and tenants' budgets. */
public interface LiveSignals {
    /** Statistics of a backend, or null when none are kept. */
    BackendStats stats(String backend);

    /** Whether the backend's circuit breaker refuses calls now. */
    default boolean circuitOpen(String backend) {
        return false;
    }

    /** Until when the backend is cooling down after its {@code Retry-After}, when it is now. */
    default Optional<java.time.Instant> coolingDownUntil(String backend) {
        return Optional.empty();
    }

    /** The tenant's budget policy when its budget is exhausted now; empty otherwise. */
    Optional<BudgetSpec.WhenExhausted> exhaustedBudget(String tenant);

    /** No statistics and no budgets: decisions on config alone. */
    LiveSignals NONE = new LiveSignals() {
        @Override
        public BackendStats stats(String backend) {
            return null;
        }

        @Override
        public Optional<BudgetSpec.WhenExhausted> exhaustedBudget(String tenant) {
            return Optional.empty();
        }
    };
}
