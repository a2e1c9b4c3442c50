package dev.switchboard.core.budget;

import dev.switchboard.core.config.BudgetSpec;
import java.math.BigDecimal;
import java.time.LocalDate;

/**
 * One tenant budget's figures at one moment.
 *
 * @param tenant        the tenant
 * @param currency      currency of the amounts
 * @param day           the current day in the budget's zone
 * @param dailyLimit    null when there is none
 * @param spentToday    settled cost of the day
 * @param reservedToday held by calls in flight
 * @param monthlyLimit  null when there is none
 * @param spentThisMonth settled cost of the month
 * @param reservedThisMonth held by calls in flight
 * @param exhausted     a limit is reached
 * @param whenExhausted the policy then
 * @param weeklyLimit   null when there is none
 * @param spentThisWeek settled cost of the week (Monday to Sunday in the budget's zone)
 * @param reservedThisWeek held by calls in flight
 */
public record TenantBudget(String tenant, String currency, LocalDate day, BigDecimal dailyLimit,
        BigDecimal spentToday, BigDecimal reservedToday, BigDecimal monthlyLimit, BigDecimal spentThisMonth,
        BigDecimal reservedThisMonth, boolean exhausted, BudgetSpec.WhenExhausted whenExhausted,
        BigDecimal weeklyLimit, BigDecimal spentThisWeek, BigDecimal reservedThisWeek) {
    /** Without a week. */
    public TenantBudget(String tenant, String currency, LocalDate day, BigDecimal dailyLimit, BigDecimal spentToday,
            BigDecimal reservedToday, BigDecimal monthlyLimit, BigDecimal spentThisMonth, BigDecimal reservedThisMonth,
            boolean exhausted, BudgetSpec.WhenExhausted whenExhausted) {
        this(tenant, currency, day, dailyLimit, spentToday, reservedToday, monthlyLimit, spentThisMonth,
                reservedThisMonth, exhausted, whenExhausted, null, BigDecimal.ZERO, BigDecimal.ZERO);
    }

    /** The first day of the week {@link #day} is in (Monday). */
    public LocalDate week() {
        return day.with(java.time.temporal.TemporalAdjusters.previousOrSame(java.time.DayOfWeek.MONDAY));
    }
}
