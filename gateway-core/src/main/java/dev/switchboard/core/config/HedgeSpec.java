package dev.switchboard.core.config;

import java.time.Duration;

/**
 * Hedging for one rule: when the first candidate has produced no first token after {@code after} (or, with
 * {@code livePercentile}, after its live first-token p95), the next candidate is started too; the first to answer
 * wins and the other is called off.
 *
 * @param after          the fixed wait, or the fallback of the live percentile while there are no statistics
 * @param livePercentile whether the wait is the backend's live first-token p95
 */
public record HedgeSpec(Duration after, boolean livePercentile) {
    /** No hedging (the default). */
    public static final HedgeSpec NONE = new HedgeSpec(null, false);

    public boolean enabled() {
        return after != null;
    }

    /** As a trace says it. */
    public String describe() {
        return !enabled() ? "none" : livePercentile ? "after the first candidate's first-token p95" : "after "
                + after.toMillis() + " ms without a first token";
    }
}
