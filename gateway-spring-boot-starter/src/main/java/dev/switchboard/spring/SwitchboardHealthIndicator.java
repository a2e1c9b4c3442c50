package dev.switchboard.spring;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.resilience.BreakerState;
import dev.switchboard.core.state.StoreHealth;
import dev.switchboard.core.stats.BackendStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The gateway's health for Actuator: DOWN while a backend's circuit breaker is open or the shared state store is
 * unreachable, with each backend's breaker, cool-down and load in the details (never a key or an address).
 *
 * <p>Keep it out of the liveness group: restarting the application does not close a vendor's breaker. Spring Boot's
 * readiness group holds only the application's own readiness state by default, which is right for the same reason
 * the sidecar's {@code /readyz} ignores backends (OPERATIONS.md, "Probes").
 */
public class SwitchboardHealthIndicator extends AbstractHealthIndicator {
    private final Gateway gateway;

    public SwitchboardHealthIndicator(Gateway gateway) {
        super("Switchboard health check failed");
        this.gateway = gateway;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        boolean down = false;
        Map<String, Object> backends = new LinkedHashMap<>();
        for (BackendStatus b : gateway.backends()) {
            BreakerState breaker = b.breaker().state();
            boolean open = breaker == BreakerState.OPEN || breaker == BreakerState.FORCED_OPEN;
            down |= open;
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("breaker", breaker.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
            b.coolingDownUntil().ifPresent(until -> detail.put("cooling-down-until", until.toString()));
            detail.put("in-flight", b.inFlight());
            detail.put("error-rate", b.errorRate());
            backends.put(b.backend(), detail);
        }
        StoreHealth state = gateway.stateHealth();
        down |= !state.up();
        builder.status(down ? org.springframework.boot.health.contributor.Status.DOWN
                : org.springframework.boot.health.contributor.Status.UP);
        builder.withDetail("backends", backends);
        builder.withDetail("state-store", Map.of("store", state.store(), "up", state.up()));
    }
}
