package dev.switchboard.core.routing;

/** Why a backend of the matching rule was left out of the decision; {@link #describe} gives the trace's words. */
public enum Exclusion {
    /** The compliance verdict keeps this request on internal backends. Detail: the kinds found. */
    STAYS_INTERNAL("sensitive data (%s) must stay internal"),
    CIRCUIT_OPEN("circuit open"),
    /** The backend asked callers to stay away ({@code Retry-After}) until a time not yet reached. Detail: that time. */
    COOLING_DOWN("cooling down until %s (the backend's Retry-After)"),
    /** Detail: calls in flight against capacity ({@code 8/8}). */
    AT_CAPACITY("at capacity (%s in flight)"),
    /** The tenant's budget is spent and its policy is internal backends only. */
    BUDGET_INTERNAL_ONLY("tenant budget exhausted: internal backends only");

    private final String words;

    Exclusion(String words) {
        this.words = words;
    }

    /** The exclusion in the words of the decision trace, with its detail where it has one. */
    public String describe(String detail) {
        return words.contains("%s") ? String.format(words, detail) : words;
    }
}
