package dev.switchboard.core.config;

import java.math.BigDecimal;
import java.time.ZoneId;
import java.util.Objects;

/**
 * A tenant's spend limits.
 *
 * @param tenant        the tenant
 * @param daily         limit per calendar day, or null
 * @param monthly       limit per calendar month, or null
 * @param currency      currency of the limits (must be the backends' price currency)
 * @param whenExhausted what happens once a limit is reached
 * @param zone          where days and months begin
 * @param alerts        shares of a limit (0.5 for 50%) at which an alert fires, once per period each; ascending
 * @param parent        the group budget above this one ({@link #GROUP} and its name), or null at the top
 * @param weekly        limit per week (Monday to Sunday in {@code zone}), or null
 */
public record BudgetSpec(String tenant, BigDecimal daily, BigDecimal monthly, String currency,
        WhenExhausted whenExhausted, ZoneId zone, java.util.List<Double> alerts, String parent, BigDecimal weekly) {
    /** How a group budget (a bank, a department, a team) is named where a tenant's would be: {@code @retail}. */
    public static final String GROUP = "@";

    public BudgetSpec {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(whenExhausted, "whenExhausted");
        Objects.requireNonNull(zone, "zone");
        alerts = alerts.stream().sorted().distinct().toList();
    }

    /** Without alerts, at the top of no tree. */
    public BudgetSpec(String tenant, BigDecimal daily, BigDecimal monthly, String currency,
            WhenExhausted whenExhausted, ZoneId zone) {
        this(tenant, daily, monthly, currency, whenExhausted, zone, java.util.List.of(), null, null);
    }

    /** Without a weekly limit. */
    public BudgetSpec(String tenant, BigDecimal daily, BigDecimal monthly, String currency,
            WhenExhausted whenExhausted, ZoneId zone, java.util.List<Double> alerts, String parent) {
        this(tenant, daily, monthly, currency, whenExhausted, zone, alerts, parent, null);
    }

    /** Whether any limit is set (a tenant in a tree may have none of its own). */
    public boolean limited() {
        return daily != null || weekly != null || monthly != null;
    }

    /** Whether this is a group's budget (above tenants), not a tenant's. */
    public boolean group() {
        return tenant.startsWith(GROUP);
    }

    /** The same budget without alert thresholds: what its spend depends on. */
    public BudgetSpec withoutAlerts() {
        return new BudgetSpec(tenant, daily, monthly, currency, whenExhausted, zone, java.util.List.of(), parent,
                weekly);
    }

    /** What an exhausted budget means for the tenant's next requests. */
    public enum WhenExhausted {
        /** Only internal backends (already paid for) serve the tenant until the period ends. */
        INTERNAL_ONLY,
        /** Requests are refused with 429 until the period ends. */
        REJECT
    }
}
