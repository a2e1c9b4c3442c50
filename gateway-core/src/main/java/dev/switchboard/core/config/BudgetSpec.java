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
 */
public record BudgetSpec(String tenant, BigDecimal daily, BigDecimal monthly, String currency,
        WhenExhausted whenExhausted, ZoneId zone, java.util.List<Double> alerts) {
    public BudgetSpec {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(whenExhausted, "whenExhausted");
        Objects.requireNonNull(zone, "zone");
        alerts = alerts.stream().sorted().distinct().toList();
    }

    /** Without alerts. */
    public BudgetSpec(String tenant, BigDecimal daily, BigDecimal monthly, String currency,
            WhenExhausted whenExhausted, ZoneId zone) {
        this(tenant, daily, monthly, currency, whenExhausted, zone, java.util.List.of());
    }

    /** What an exhausted budget means for the tenant's next requests. */
    public enum WhenExhausted {
        /** Only internal backends (already paid for) serve the tenant until the period ends. */
        INTERNAL_ONLY,
        /** Requests are refused with 429 until the period ends. */
        REJECT
    }
}
