package dev.switchboard.core.internal.budget;

import dev.switchboard.core.budget.TenantBudget;
import dev.switchboard.core.config.BudgetSpec;
import dev.switchboard.core.config.Residency;
import dev.switchboard.core.internal.state.BudgetStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Budgets at several levels — a bank, its departments, their teams, the applications (tenants) — each with its own
 * limits, zone and {@code when-exhausted}. A call reserves its worst case at every level its tenant belongs to, from
 * the tenant up; if a level has no room, what was taken below is given back and the call is not admitted, so no level
 * ever passes its limit (concurrent calls can only be refused, never over-admitted: each level's reservation is
 * atomic in its store). The tightest level decides, and is named ({@link #exhaustedLevel}). Settling a call settles
 * every level. Built over any {@link BudgetStore} (this process's, or Redis's): the levels are budgets of the store
 * like any other, groups under their {@code @name}.
 */
public final class BudgetTree implements BudgetStore {
    private final BudgetStore store;
    private final Map<String, BudgetSpec> specs = new HashMap<>();
    /** The level that refused each tenant's last refused call (cleared when one is admitted): for the refusal's words. */
    private final Map<String, String> lastRefusal = new java.util.concurrent.ConcurrentHashMap<>();

    public BudgetTree(BudgetStore store, List<BudgetSpec> budgets) {
        this.store = store;
        budgets.forEach(b -> specs.put(b.tenant(), b));
    }

    /** Whether a config's budgets form a tree (some have parents): then this store is needed. */
    public static boolean needed(List<BudgetSpec> budgets) {
        return budgets.stream().anyMatch(b -> b.parent() != null);
    }

    /** The levels a tenant's calls count against, from its own budget (if any) up to the top. */
    List<BudgetSpec> levels(String tenant) {
        List<BudgetSpec> out = new ArrayList<>();
        for (BudgetSpec b = specs.get(tenant); b != null; b = b.parent() == null ? null : specs.get(b.parent())) {
            out.add(b);
        }
        return out;
    }

    private static boolean limited(BudgetSpec b) {
        return b.limited();
    }

    /**
     * The level that speaks for the tenant: the lowest one whose limit is reached (its when-exhausted applies), else
     * the tenant's own budget, else the nearest level above with limits.
     */
    @Override
    public Optional<BudgetSpec> budget(String tenant) {
        List<BudgetSpec> limited = levels(tenant).stream().filter(BudgetTree::limited).toList();
        return limited.stream().filter(b -> store.exhausted(b.tenant())).findFirst()
                .or(() -> limited.stream().findFirst());
    }

    @Override
    public boolean exhausted(String tenant) {
        return exhaustedLevel(tenant).isPresent();
    }

    /**
     * The lowest level whose limit is reached ({@code tenant 'x'} or {@code group 'retail'}), else the level that had
     * no room for the tenant's last refused call.
     */
    @Override
    public Optional<String> exhaustedLevel(String tenant) {
        for (BudgetSpec b : levels(tenant)) {
            if (limited(b) && store.exhausted(b.tenant())) {
                return Optional.of(describe(b));
            }
        }
        return Optional.ofNullable(lastRefusal.get(tenant));
    }

    static String describe(BudgetSpec b) {
        return b.group() ? "group '" + b.tenant().substring(BudgetSpec.GROUP.length()) + "'"
                : "tenant '" + b.tenant() + "'";
    }

    @Override
    public CompletableFuture<Optional<BudgetReservation>> reserve(String tenant, double worstCase, boolean unlimited,
            Residency residency) {
        List<BudgetSpec> levels = levels(tenant).stream().filter(BudgetTree::limited).toList();
        if (levels.isEmpty()) {
            return store.reserve(tenant, worstCase, unlimited, residency);
        }
        return reserveFrom(tenant, levels, 0, worstCase, residency, new ArrayList<>()).whenComplete((r, error) -> {
            if (r != null && r.isPresent()) {
                lastRefusal.remove(tenant);
            }
        });
    }

    /** Level by level, upwards; a refusal gives back what the levels below took. */
    private CompletableFuture<Optional<BudgetReservation>> reserveFrom(String tenant, List<BudgetSpec> levels, int i,
            double worstCase, Residency residency, List<BudgetReservation> taken) {
        if (i == levels.size()) {
            List<BudgetReservation> all = List.copyOf(taken);
            return CompletableFuture.completedFuture(Optional.of(cost -> all.forEach(r -> r.settle(cost))));
        }
        BudgetSpec level = levels.get(i);
        // An in-house call under a level whose policy is internal-only goes on past that level's limit (counted).
        boolean unlimited = residency == Residency.INTERNAL
                && level.whenExhausted() == BudgetSpec.WhenExhausted.INTERNAL_ONLY;
        return store.reserve(level.tenant(), worstCase, unlimited, residency).handle((r, error) -> {
            if (error != null || r.isEmpty()) {
                taken.forEach(BudgetReservation::release);
                if (error == null) {
                    lastRefusal.put(tenant, describe(level));
                }
                return error != null ? CompletableFuture.<Optional<BudgetReservation>>failedFuture(error)
                        : CompletableFuture.completedFuture(Optional.<BudgetReservation>empty());
            }
            taken.add(r.get());
            return reserveFrom(tenant, levels, i + 1, worstCase, residency, taken);
        }).thenCompose(f -> f);
    }

    @Override
    public CompletableFuture<List<TenantBudget>> snapshot() {
        return store.snapshot();
    }
}
