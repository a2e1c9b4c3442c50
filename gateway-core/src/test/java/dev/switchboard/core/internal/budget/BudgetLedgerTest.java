package dev.switchboard.core.internal.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.budget.TenantBudget;
import dev.switchboard.core.config.BudgetSpec;
import dev.switchboard.testkit.ManualClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BudgetLedgerTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-20T10:00:00Z"));

    private BudgetLedger ledger(String daily, String monthly) {
        return new BudgetLedger(List.of(new BudgetSpec("retail", daily == null ? null : new BigDecimal(daily),
                monthly == null ? null : new BigDecimal(monthly), "CNY", BudgetSpec.WhenExhausted.REJECT,
                ZoneId.of("Asia/Shanghai"))), clock);
    }

    @Test
    void concurrentReservationsNeverPassTheLimit() throws Exception {
        BudgetLedger ledger = ledger("1.00", null);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger admitted = new AtomicInteger();
        List<BudgetLedger.Reservation> held = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 400; i++) {
            pool.submit(() -> {
                go.await();
                Optional<BudgetLedger.Reservation> r = ledger.reserve("retail", 0.03, false);
                r.ifPresent(held::add);
                r.ifPresent(x -> admitted.incrementAndGet());
                return null;
            });
        }
        go.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(admitted.get()).isEqualTo(33); // 33 x 0.03 = 0.99; a 34th would pass 1.00
        held.forEach(r -> r.settle(0.03));
        TenantBudget s = ledger.snapshot().get(0);
        assertThat(s.spentToday()).isEqualByComparingTo("0.99");
        assertThat(s.reservedToday()).isEqualByComparingTo("0");
        assertThat(ledger.reserve("retail", 0.02, false)).isEmpty();
        assertThat(ledger.reserve("retail", 0.01, false)).isPresent();
    }

    @Test
    void settlingReplacesTheWorstCaseWithTheActualCost() {
        BudgetLedger ledger = ledger("1.00", null);
        BudgetLedger.Reservation r = ledger.reserve("retail", 0.80, false).orElseThrow();
        assertThat(ledger.reserve("retail", 0.30, false)).isEmpty();
        r.settle(0.10);
        r.settle(5.00); // a second settle is ignored
        assertThat(ledger.snapshot().get(0).spentToday()).isEqualByComparingTo("0.1");
        assertThat(ledger.reserve("retail", 0.30, false)).isPresent();
    }

    @Test
    void internalOnlyUseIsAlwaysAdmittedAndStillCounted() {
        BudgetLedger ledger = ledger("0.10", null);
        ledger.reserve("retail", 0.10, false).orElseThrow().settle(0.10);
        assertThat(ledger.exhausted("retail")).isTrue();
        assertThat(ledger.reserve("retail", 0.05, false)).isEmpty();
        ledger.reserve("retail", 0.05, true).orElseThrow().settle(0.02);
        assertThat(ledger.snapshot().get(0).spentToday()).isEqualByComparingTo("0.12");
    }

    @Test
    void daysRenewInTheBudgetsZoneAndMonthsAccumulate() {
        BudgetLedger ledger = ledger("1.00", "1.50");
        ledger.reserve("retail", 0.9, false).orElseThrow().settle(0.9);
        assertThat(ledger.reserve("retail", 0.2, false)).isEmpty();
        clock.advance(Duration.ofHours(6)); // 16:00 UTC = midnight in Shanghai: a new day
        BudgetLedger.Reservation r = ledger.reserve("retail", 0.5, false).orElseThrow();
        r.settle(0.5);
        TenantBudget s = ledger.snapshot().get(0);
        assertThat(s.spentToday()).isEqualByComparingTo("0.5");
        assertThat(s.spentThisMonth()).isEqualByComparingTo("1.4");
        assertThat(ledger.reserve("retail", 0.2, false)).isEmpty(); // the month's limit now binds
    }

    @Test
    void tenantsWithoutABudgetAreUnlimited() {
        BudgetLedger ledger = ledger("1.00", null);
        assertThat(ledger.reserve("other", 1_000_000, false)).isPresent();
        assertThat(ledger.exhausted("other")).isFalse();
    }

    @Test
    void aWeeklyLimitCountsMondayToSundayInTheBudgetsZone() {
        // 2026-11-20 is a Friday (10:00 UTC, 18:00 in Shanghai); the week began on Monday the 16th.
        BudgetLedger ledger = new BudgetLedger(List.of(new BudgetSpec("retail", null, null, "CNY",
                BudgetSpec.WhenExhausted.REJECT, ZoneId.of("Asia/Shanghai"), List.of(), null, new BigDecimal("0.10"))),
                clock);
        ledger.reserve("retail", 0.06, false).orElseThrow().settle(0.06);
        clock.advance(java.time.Duration.ofDays(1)); // Saturday: the same week, a new day
        assertThat(ledger.reserve("retail", 0.05, false)).isEmpty(); // 0.06 + 0.05 passes the week's 0.10
        TenantBudget s = ledger.snapshot().get(0);
        assertThat(s.week()).isEqualTo(java.time.LocalDate.parse("2026-11-16"));
        assertThat(s.weeklyLimit()).isEqualByComparingTo("0.10");
        assertThat(s.spentThisWeek()).isEqualByComparingTo("0.06");
        assertThat(s.spentToday()).isEqualByComparingTo("0");
        // Monday the 23rd, in Shanghai: a new week.
        clock.advance(java.time.Duration.ofDays(2));
        assertThat(ledger.reserve("retail", 0.05, false)).isPresent();
        assertThat(ledger.snapshot().get(0).week()).isEqualTo(java.time.LocalDate.parse("2026-11-23"));
    }
}
