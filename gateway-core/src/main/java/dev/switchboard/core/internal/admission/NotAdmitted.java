package dev.switchboard.core.internal.admission;

import dev.switchboard.core.internal.state.StateUnavailableException;

/**
 * Admission passed a candidate over (the attempt says why): failover moves on to the next one. Not an error the
 * client sees; carries the state store's failure when that was the reason.
 */
public final class NotAdmitted extends RuntimeException {
    private final StateUnavailableException stateFailure;

    NotAdmitted(StateUnavailableException stateFailure) {
        super("not admitted", null, false, false);
        this.stateFailure = stateFailure;
    }

    /** Why the shared state store refused, when it did; else null. */
    public StateUnavailableException stateFailure() {
        return stateFailure;
    }
}
