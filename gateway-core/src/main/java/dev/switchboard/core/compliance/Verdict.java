package dev.switchboard.core.compliance;

import java.util.Objects;

/**
 * The compliance verdict on one request: the kinds and counts of customer data found (never the values), and what
 * that allows under the configured action. Every part of the gateway that decides where a request may go asks for
 * this one verdict.
 */
public record Verdict(Assessment found, Outcome outcome) {
    /** Nothing found: any backend. */
    public static final Verdict CLEAN = new Verdict(Assessment.CLEAN, Outcome.CLEAN);

    /** What a request may do, by what it holds and the configured action. */
    public enum Outcome {
        /** Nothing found: any backend. */
        CLEAN,
        /** Customer data under {@code route-internal}: internal backends only. */
        INTERNAL_ONLY,
        /** Customer data under {@code mask}: internal backends as sent, external ones with placeholders. */
        MASK_EXTERNAL,
        /** Customer data under {@code block}: refused. */
        BLOCKED;

        /** Whether the request may be sent, as it is or masked, to an external backend. */
        public boolean allowsExternal() {
            return this == CLEAN || this == MASK_EXTERNAL;
        }
    }

    public Verdict {
        Objects.requireNonNull(found, "found");
        Objects.requireNonNull(outcome, "outcome");
    }

    public boolean sensitive() {
        return found.sensitive();
    }

    /** {@code none}, {@code route-internal}, {@code mask}, {@code blocked}: for explanations. */
    public String describe() {
        return switch (outcome) {
            case CLEAN -> "none";
            case INTERNAL_ONLY -> "route-internal";
            case MASK_EXTERNAL -> "mask";
            case BLOCKED -> "blocked";
        };
    }
}
