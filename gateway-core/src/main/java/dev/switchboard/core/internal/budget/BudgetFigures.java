package dev.switchboard.core.internal.budget;

import dev.switchboard.core.budget.TenantBudget;
import dev.switchboard.core.internal.state.BudgetStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The budgets' figures for gauges, which a scrape reads and which must not block: each read returns the newest
 * snapshot at hand and asks the store for a fresh one at most once a second. In memory the snapshot is ready at once
 * (the scrape sees the figures of that moment); on Redis it arrives a moment later and the next scrape sees it. When
 * the store cannot answer, the last figures stay.
 */
public final class BudgetFigures {
    private static final Logger log = LoggerFactory.getLogger(BudgetFigures.class);
    private static final long REFRESH_NANOS = 1_000_000_000L;

    private final BudgetStore store;
    private final LongSupplier ticker;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private volatile Map<String, TenantBudget> last = Map.of();
    private volatile long refreshedAt;
    private volatile boolean refreshed;

    public BudgetFigures(BudgetStore store, LongSupplier ticker) {
        this.store = store;
        this.ticker = ticker;
    }

    /** The tenant's figures, or null before the store first answered. */
    public TenantBudget of(String tenant) {
        refresh();
        return last.get(tenant);
    }

    private void refresh() {
        long now = ticker.getAsLong();
        if (refreshed && now - refreshedAt < REFRESH_NANOS || !refreshing.compareAndSet(false, true)) {
            return;
        }
        refreshedAt = now;
        refreshed = true;
        try {
            store.snapshot().whenComplete((list, error) -> {
                if (list != null) {
                    last = index(list);
                } else {
                    log.debug("budget figures for the metrics not refreshed: {}", String.valueOf(error));
                }
                refreshing.set(false);
            });
        } catch (RuntimeException e) {
            refreshing.set(false);
            log.debug("budget figures for the metrics not refreshed", e);
        }
    }

    private static Map<String, TenantBudget> index(List<TenantBudget> list) {
        Map<String, TenantBudget> byTenant = new HashMap<>();
        list.forEach(b -> byTenant.put(b.tenant(), b));
        return byTenant;
    }
}
