package dev.switchboard.core.routing;

/** Why a backend of the matching rule was left out of the decision. */
public enum Exclusion {
    /** The compliance verdict keeps this request on internal backends. */
    STAYS_INTERNAL,
    CIRCUIT_OPEN,
    /** The backend asked callers to stay away ({@code Retry-After}) until a time not yet reached. */
    COOLING_DOWN,
    AT_CAPACITY,
    /** The tenant's budget is spent and its policy is internal backends only. */
    BUDGET_INTERNAL_ONLY
}
