package dev.switchboard.core.internal.state;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * Backends that asked every caller to stay away for a while ({@code Retry-After} on a 429 or 503): routing leaves
 * them out and admission passes them over until the time they named. In memory per process, or shared by every
 * sidecar on the same Redis — a vendor that throttles one sidecar throttles the fleet. Reads are local and never
 * wait.
 */
public interface CoolDowns {
    /** Until when the backend is cooling down, when it is now. */
    Optional<Instant> until(String backend);

    /** No calls to the backend until {@code until}; an earlier end never shortens a later one already known. */
    void coolDown(String backend, Instant until);

    /** The backends whose cool-downs other processes may set (a shared store refreshes them). */
    default void watch(Set<String> backends) {
    }
}
