package dev.switchboard.core.resilience;

import java.time.Instant;

/** A circuit breaker's change of state, and when it happened. */
public record BreakerTransition(Instant at, BreakerState from, BreakerState to) {
}
