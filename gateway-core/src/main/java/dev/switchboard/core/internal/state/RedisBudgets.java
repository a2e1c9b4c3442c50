package dev.switchboard.core.internal.state;

import dev.switchboard.core.budget.TenantBudget;
import dev.switchboard.core.config.BudgetSpec;
import dev.switchboard.core.config.Residency;
import dev.switchboard.core.config.StateSpec;
import dev.switchboard.core.internal.budget.BudgetLedger;
import dev.switchboard.core.internal.budget.BudgetReservation;
import io.lettuce.core.ScriptOutputType;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Budgets in Redis: a reservation is one script that checks the limits against every sidecar's spend and
 * reservations and takes the amount, atomically, so N sidecars never pass a limit together. Each reservation is a
 * lease; a sidecar that dies mid-call stops renewing it and the next reservation of that tenant gives it back.
 *
 * <p>Keys (with the configured prefix), all of one tenant in one Redis Cluster slot through the {@code {tenant}}
 * hash tag: {@code budget:{t}:day:2026-11-30} and {@code budget:{t}:month:2026-11} (hashes of spent and reserved
 * millionths, expiring after the period), {@code budget:{t}:leases} and {@code budget:{t}:lease-info}.
 */
final class RedisBudgets implements BudgetStore {
    private static final long DAY_TTL_SECONDS = 3 * 86_400;
    private static final long MONTH_TTL_SECONDS = 40 * 86_400;
    private static final long WEEK_TTL_SECONDS = 9 * 86_400;

    private final RedisStateStore store;
    private final Map<String, BudgetSpec> specs = new LinkedHashMap<>();
    /** The last figures Redis returned per tenant: {spent, reserved} of the day, the month and the week. */
    private final Map<String, View> views = new ConcurrentHashMap<>();

    private record View(LocalDate day, long[] figures) {
    }

    RedisBudgets(RedisStateStore store, List<BudgetSpec> budgets) {
        this.store = store;
        budgets.forEach(b -> specs.put(b.tenant(), b));
        store.onTick("budgets", this::refresh); // a reload's new budgets replace the old refresh
    }

    @Override
    public Optional<BudgetSpec> budget(String tenant) {
        return Optional.ofNullable(specs.get(tenant));
    }

    private static long limit(BigDecimal amount) {
        return amount == null ? -1 : amount.movePointRight(6).longValue(); // as the in-process ledger rounds
    }

    @Override
    public boolean exhausted(String tenant) {
        BudgetSpec spec = specs.get(tenant);
        View v = views.get(tenant);
        if (spec == null || v == null || !v.day.equals(today(spec))) {
            return false;
        }
        return reached(spec, v.figures);
    }

    private static boolean reached(BudgetSpec spec, long[] f) {
        long day = limit(spec.daily());
        long month = limit(spec.monthly());
        long week = limit(spec.weekly());
        return day >= 0 && f[0] + f[1] >= day || month >= 0 && f[2] + f[3] >= month
                || week >= 0 && f[4] + f[5] >= week;
    }

    private static LocalDate monday(LocalDate day) {
        return day.with(java.time.temporal.TemporalAdjusters.previousOrSame(java.time.DayOfWeek.MONDAY));
    }

    private LocalDate today(BudgetSpec spec) {
        return LocalDate.now(store.clock().withZone(spec.zone()));
    }

    private String[] keys(String tenant, LocalDate day) {
        String t = "budget:{" + tenant + "}:";
        return new String[] {store.key(t + "day:" + day), store.key(t + "month:" + YearMonth.from(day)),
                store.key(t + "leases"), store.key(t + "lease-info"), store.key(t + "week:" + monday(day))};
    }

    private void remember(String tenant, LocalDate day, List<Object> reply, int from) {
        long[] f = new long[6];
        for (int i = 0; i < 6; i++) {
            f[i] = ((Number) reply.get(from + i)).longValue();
        }
        views.put(tenant, new View(day, f));
    }

    @Override
    public CompletableFuture<Optional<BudgetReservation>> reserve(String tenant, double worstCase, boolean unlimited,
            Residency residency) {
        BudgetSpec spec = specs.get(tenant);
        if (spec == null) {
            return CompletableFuture.completedFuture(Optional.of(BudgetReservation.NONE));
        }
        LocalDate day = today(spec);
        String[] keys = keys(tenant, day);
        long micros = BudgetLedger.toMicros(worstCase);
        String id = store.newId();
        long now = store.clock().millis();
        // Held before the script runs, so that a reply racing the first renewal is still renewed.
        store.hold(keys[2], id, MONTH_TTL_SECONDS * 1000, false);
        CompletableFuture<List<Object>> reply = store.eval("budget_reserve", RedisStateStore.BUDGET_SCRIPT,
                ScriptOutputType.MULTI, keys, "reserve", now, store.lease().toMillis(), micros, limit(spec.daily()),
                limit(spec.monthly()), unlimited ? 1 : 0, id, DAY_TTL_SECONDS, MONTH_TTL_SECONDS, day,
                YearMonth.from(day), limit(spec.weekly()), WEEK_TTL_SECONDS, monday(day));
        return reply.handle((r, error) -> {
            if (error != null) {
                store.forget(keys[2], id);
                // A command that timed out may still run when Redis wakes up: give back what it would hold
                // rather than leave it to its lease.
                store.compensate(error, () -> settleScript(tenant, spec, keys[2], id, 0, true));
                return fallback(tenant, residency, error);
            }
            remember(tenant, day, r, 1);
            if (((Number) r.get(0)).longValue() == 0) {
                store.forget(keys[2], id);
                return Optional.empty();
            }
            return Optional.of(new Reservation(tenant, spec, keys[2], id));
        });
    }

    private Optional<BudgetReservation> fallback(String tenant, Residency residency, Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        if (store.policy().budgets() == StateSpec.BudgetFallback.INTERNAL_ONLY && residency == Residency.INTERNAL) {
            store.fellBack("budgets");
            return Optional.of(BudgetReservation.NONE); // in-house calls go on, uncounted, while Redis is away
        }
        store.fellBack("budgets");
        throw new StateUnavailableException("the budget of tenant '" + tenant + "' is kept in the shared state "
                + "store, which cannot be reached" + (store.policy().budgets() == StateSpec.BudgetFallback.REJECT
                ? "" : "; only internal backends serve it meanwhile"), cause);
    }

    /** A reservation in Redis, settled by one script; a failed settlement is tried again until it lands. */
    private final class Reservation implements BudgetReservation {
        private final String tenant;
        private final BudgetSpec spec;
        private final String leaseKey;
        private final String id;
        private final AtomicBoolean settled = new AtomicBoolean();

        Reservation(String tenant, BudgetSpec spec, String leaseKey, String id) {
            this.tenant = tenant;
            this.spec = spec;
            this.leaseKey = leaseKey;
            this.id = id;
        }

        @Override
        public void settle(double actualCost) {
            if (!settled.compareAndSet(false, true)) {
                return;
            }
            long actual = BudgetLedger.toMicros(Math.max(0, actualCost));
            store.track(settleScript(tenant, spec, leaseKey, id, actual, false)).whenComplete((v, error) -> {
                if (error != null) {
                    // The lease stays held (and renewed), so the amount stays reserved until the settlement lands.
                    // A retry counts the cost only if the reservation is still there: if the first attempt landed
                    // and only its reply was lost, it is not counted twice.
                    store.retryLater(() -> settleScript(tenant, spec, leaseKey, id, actual, true));
                }
            });
        }
    }

    /** Replaces reservation {@code id} with {@code actual} millionths spent today. */
    private CompletableFuture<?> settleScript(String tenant, BudgetSpec spec, String leaseKey, String id,
            long actual, boolean onlyIfHeld) {
        LocalDate day = today(spec);
        String[] keys = keys(tenant, day);
        return store.<List<Object>>eval("budget_settle", RedisStateStore.BUDGET_SCRIPT, ScriptOutputType.MULTI, keys, "settle",
                store.clock().millis(), id, actual, DAY_TTL_SECONDS, MONTH_TTL_SECONDS, onlyIfHeld ? 1 : 0,
                WEEK_TTL_SECONDS)
                .thenAccept(r -> {
                    store.forget(leaseKey, id);
                    remember(tenant, day, r, 0);
                });
    }

    /** Reads every tenant's figures, so that routing sees other sidecars' spend. */
    private void refresh() {
        for (String tenant : specs.keySet()) {
            read(tenant);
        }
    }

    private CompletableFuture<long[]> read(String tenant) {
        LocalDate day = today(specs.get(tenant));
        return store.<List<Object>>eval("budget_read", RedisStateStore.BUDGET_SCRIPT, ScriptOutputType.MULTI,
                keys(tenant, day), "read", store.clock().millis()).thenApply(r -> {
                    remember(tenant, day, r, 0);
                    return views.get(tenant).figures;
                });
    }

    @Override
    public CompletableFuture<List<TenantBudget>> snapshot() {
        List<CompletableFuture<TenantBudget>> states = new ArrayList<>();
        for (BudgetSpec spec : specs.values()) {
            LocalDate day = today(spec);
            states.add(read(spec.tenant()).handle((f, error) -> {
                View v = views.get(spec.tenant());
                long[] figures = f != null ? f : v != null && v.day.equals(day) ? v.figures : new long[6];
                return state(spec, day, figures);
            }));
        }
        return CompletableFuture.allOf(states.toArray(CompletableFuture[]::new))
                .thenApply(x -> states.stream().map(CompletableFuture::join).toList());
    }

    private TenantBudget state(BudgetSpec spec, LocalDate day, long[] f) {
        return new TenantBudget(spec.tenant(), spec.currency(), day, spec.daily(),
                BudgetLedger.fromMicros(f[0]), BudgetLedger.fromMicros(f[1]), spec.monthly(),
                BudgetLedger.fromMicros(f[2]), BudgetLedger.fromMicros(f[3]), reached(spec, f), spec.whenExhausted(),
                spec.weekly(), BudgetLedger.fromMicros(f[4]), BudgetLedger.fromMicros(f[5]));
    }
}
