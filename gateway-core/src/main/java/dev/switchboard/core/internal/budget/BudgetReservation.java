package dev.switchboard.core.internal.budget;

/** Spend held for one call until it ends; settle it exactly once (later calls do nothing). */
public interface BudgetReservation {
    /** Held by calls that no budget counts. */
    BudgetReservation NONE = cost -> { };

    /** Replaces the reservation with what the call actually cost. */
    void settle(double actualCost);

    /** The call cost nothing (it failed before any output): gives the reservation back. */
    default void release() {
        settle(0);
    }
}
