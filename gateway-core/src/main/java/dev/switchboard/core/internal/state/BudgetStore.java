package dev.switchboard.core.internal.state;

import dev.switchboard.core.budget.TenantBudget;
import dev.switchboard.core.config.BudgetSpec;
import dev.switchboard.core.config.Residency;
import dev.switchboard.core.internal.budget.BudgetReservation;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Tenants' budgets: a call's worst-case cost is reserved before it is admitted and settled when it ends. */
public interface BudgetStore {
    /** The tenant's budget, if it has one. */
    Optional<BudgetSpec> budget(String tenant);

    /**
     * Whether the tenant has reached a limit, for routing. May be a moment old with a shared store; admission
     * ({@link #reserve}) is what holds the limit.
     */
    boolean exhausted(String tenant);

    /**
     * Reserves {@code worstCase} for a call to a backend of the given residency: empty when it would pass a limit.
     * With {@code unlimited} (an internal backend for a tenant whose budget allows internal-only use) the
     * reservation is always taken and its cost still counted. Fails with {@link StateUnavailableException} when
     * the store cannot answer and its policy refuses the call.
     */
    CompletableFuture<Optional<BudgetReservation>> reserve(String tenant, double worstCase, boolean unlimited,
            Residency residency);

    /**
     * The level whose limit is reached for this tenant, in words ({@code tenant 'x'}, {@code group 'retail'}), when
     * one is: a flat budget names the tenant itself.
     */
    default Optional<String> exhaustedLevel(String tenant) {
        return exhausted(tenant) ? Optional.of("tenant '" + tenant + "'") : Optional.empty();
    }

    /** Every tenant's state now. */
    CompletableFuture<List<TenantBudget>> snapshot();
}
