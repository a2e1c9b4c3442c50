package dev.switchboard.core.resilience;

import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * One backend's circuit breaker at one moment.
 *
 * @param state       closed, open, half open, ...
 * @param failureRate the share of failed calls in the breaker's window, in percent; empty until the window holds
 *                    enough calls to judge
 * @param transitions its recent changes of state, oldest first (at most 20)
 */
public record BreakerStatus(BreakerState state, OptionalDouble failureRate, List<BreakerTransition> transitions) {
    public BreakerStatus {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(failureRate, "failureRate");
        transitions = List.copyOf(transitions);
    }
}
