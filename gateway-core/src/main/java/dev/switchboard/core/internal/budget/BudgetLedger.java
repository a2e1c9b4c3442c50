package dev.switchboard.core.internal.budget;

import dev.switchboard.core.budget.TenantBudget;
import dev.switchboard.core.config.BudgetSpec;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tenants' spend against their daily and monthly limits. A call reserves its worst-case cost <em>before</em> it
 * is admitted and settles to its actual cost when it ends, under one lock per tenant: concurrent calls cannot
 * together pass a limit, since each sees the others' reservations. Amounts are kept in millionths of the currency
 * unit so that settling never drifts.
 */
public final class BudgetLedger {
    private static final BigDecimal MICROS = BigDecimal.valueOf(1_000_000);

    private final Map<String, TenantAccount> accounts = new LinkedHashMap<>();
    private final Clock clock;

    public BudgetLedger(List<BudgetSpec> budgets, Clock clock) {
        this.clock = clock;
        for (BudgetSpec b : budgets) {
            accounts.put(b.tenant(), new TenantAccount(b, clock));
        }
    }

    public Optional<BudgetSpec> budget(String tenant) {
        TenantAccount a = accounts.get(tenant);
        return a == null ? Optional.empty() : Optional.of(a.spec);
    }

    /** Whether the tenant has reached a limit (reservations included). Tenants without a budget never have. */
    public boolean exhausted(String tenant) {
        TenantAccount a = accounts.get(tenant);
        return a != null && a.exhausted(clock);
    }

    /**
     * Reserves {@code worstCase} for a call. Returns empty when it would pass a limit; when {@code unlimited}
     * (an internal backend for a tenant whose budget allows internal-only use) the reservation is always taken and
     * its cost still counted.
     */
    public Optional<Reservation> reserve(String tenant, double worstCase, boolean unlimited) {
        TenantAccount a = accounts.get(tenant);
        if (a == null) {
            return Optional.of(Reservation.NONE);
        }
        return a.reserve(toMicros(worstCase), unlimited, clock);
    }

    /** Every tenant's state now. */
    public List<TenantBudget> snapshot() {
        List<TenantBudget> out = new ArrayList<>();
        for (TenantAccount a : accounts.values()) {
            out.add(a.state(clock));
        }
        return out;
    }

    public static long toMicros(double amount) {
        return BigDecimal.valueOf(amount).multiply(MICROS).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    public static BigDecimal fromMicros(long micros) {
        return BigDecimal.valueOf(micros).divide(MICROS).stripTrailingZeros();
    }

    /** A held reservation; settle it exactly once when the call ends (later calls do nothing). */
    public static class Reservation implements BudgetReservation {
        static final Reservation NONE = new Reservation(null, 0, null, null, null);
        private final TenantAccount account;
        private final long micros;
        private final LocalDate day;
        private final LocalDate week;
        private final YearMonth month;
        private final AtomicBoolean settled = new AtomicBoolean();

        Reservation(TenantAccount account, long micros, LocalDate day, LocalDate week, YearMonth month) {
            this.account = account;
            this.micros = micros;
            this.day = day;
            this.week = week;
            this.month = month;
        }

        @Override
        public void settle(double actualCost) {
            if (account != null && settled.compareAndSet(false, true)) {
                account.settle(this, toMicros(Math.max(0, actualCost)));
            }
        }

        long micros() {
            return micros;
        }

        LocalDate day() {
            return day;
        }

        YearMonth month() {
            return month;
        }

        LocalDate week() {
            return week;
        }
    }

    /** One tenant's ledger; every change under its lock. */
    static final class TenantAccount {
        final BudgetSpec spec;
        private final Clock clock;
        private final long dailyLimit;
        private final long weeklyLimit;
        private final long monthlyLimit;
        private LocalDate day;
        private LocalDate week;
        private YearMonth month;
        private long spentDay;
        private long reservedDay;
        private long spentWeek;
        private long reservedWeek;
        private long spentMonth;
        private long reservedMonth;

        TenantAccount(BudgetSpec spec, Clock clock) {
            this.spec = spec;
            this.clock = clock;
            this.dailyLimit = spec.daily() == null ? Long.MAX_VALUE : spec.daily().multiply(MICROS).longValue();
            this.monthlyLimit = spec.monthly() == null ? Long.MAX_VALUE : spec.monthly().multiply(MICROS).longValue();
            this.weeklyLimit = spec.weekly() == null ? Long.MAX_VALUE : spec.weekly().multiply(MICROS).longValue();
        }

        private void roll(Clock clock) {
            LocalDate today = LocalDate.now(clock.withZone(spec.zone()));
            if (!today.equals(day)) {
                day = today;
                spentDay = 0;
                reservedDay = 0;
            }
            LocalDate monday = today.with(java.time.temporal.TemporalAdjusters.previousOrSame(
                    java.time.DayOfWeek.MONDAY));
            if (!monday.equals(week)) {
                week = monday;
                spentWeek = 0;
                reservedWeek = 0;
            }
            YearMonth now = YearMonth.from(today);
            if (!now.equals(month)) {
                month = now;
                spentMonth = 0;
                reservedMonth = 0;
            }
        }

        synchronized boolean exhausted(Clock clock) {
            roll(clock);
            return spentDay + reservedDay >= dailyLimit || spentWeek + reservedWeek >= weeklyLimit
                    || spentMonth + reservedMonth >= monthlyLimit;
        }

        synchronized Optional<Reservation> reserve(long micros, boolean unlimited, Clock clock) {
            roll(clock);
            if (!unlimited && (spentDay + reservedDay + micros > dailyLimit
                    || spentWeek + reservedWeek + micros > weeklyLimit
                    || spentMonth + reservedMonth + micros > monthlyLimit)) {
                return Optional.empty();
            }
            reservedDay += micros;
            reservedWeek += micros;
            reservedMonth += micros;
            return Optional.of(new Reservation(this, micros, day, week, month));
        }

        synchronized void settle(Reservation r, long actual) {
            roll(clock);
            // A reservation from a period that has since ended was already cleared by the roll-over.
            if (r.day().equals(day)) {
                reservedDay -= r.micros();
            }
            if (r.week().equals(week)) {
                reservedWeek -= r.micros();
            }
            if (r.month().equals(month)) {
                reservedMonth -= r.micros();
            }
            spentDay += actual;
            spentWeek += actual;
            spentMonth += actual;
        }

        synchronized TenantBudget state(Clock clock) {
            boolean exhausted = exhausted(clock);
            return new TenantBudget(spec.tenant(), spec.currency(), day, spec.daily(), fromMicros(spentDay),
                    fromMicros(reservedDay), spec.monthly(), fromMicros(spentMonth), fromMicros(reservedMonth),
                    exhausted, spec.whenExhausted(), spec.weekly(), fromMicros(spentWeek), fromMicros(reservedWeek));
        }
    }
}
