package dev.switchboard.core;

import java.util.Objects;

/**
 * One step of serving a request: a backend called, passed over, refused or answered from the cache.
 *
 * @param backend the backend
 * @param outcome what happened, as a type; {@link #describe()} renders it for logs and the audit log
 * @param detail  the words behind a failure (the upstream's message), or empty
 * @param millis  time spent on it
 */
public record Attempt(String backend, Outcome outcome, String detail, long millis) {
    /** What became of one candidate. */
    public enum Outcome {
        OK("ok"),
        /** Answered from the cache (the backend is the one that answered first). */
        CACHE_HIT("cache hit"),
        /** Passed over: the request holds customer data that stays on internal backends. */
        SKIPPED_STAYS_INTERNAL("skipped: sensitive data stays internal"),
        SKIPPED_CIRCUIT_OPEN("skipped: circuit open"),
        /** Passed over: the backend asked callers to stay away ({@code Retry-After}) for a while yet. */
        SKIPPED_COOLING_DOWN("skipped: cooling down"),
        /** Passed over: the backend is at its own adaptive concurrency limit. */
        SKIPPED_OVERLOADED("skipped: overloaded"),
        SKIPPED_AT_CAPACITY("skipped: at capacity"),
        SKIPPED_OVER_BUDGET("skipped: over budget"),
        SKIPPED_STATE_UNAVAILABLE("skipped: shared state unavailable"),
        /** Called, and it failed (the detail says how). */
        FAILED("failed"),
        /** The egress guard stopped the body before any byte was sent. */
        REFUSED("refused"),
        /** Called, and the client left before it answered. */
        CANCELLED("cancelled");

        private final String text;

        Outcome(String text) {
            this.text = text;
        }

        /** Whether a backend was actually called (not passed over, not refused, not answered from the cache). */
        public boolean called() {
            return this == OK || this == FAILED || this == CANCELLED;
        }

        public String text() {
            return text;
        }
    }

    public Attempt {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(outcome, "outcome");
        detail = detail == null ? "" : detail; // a factory's failure without a message still makes an attempt
    }

    public Attempt(String backend, Outcome outcome, long millis) {
        this(backend, outcome, "", millis);
    }

    /** Whether a backend was actually called (not passed over, not answered from the cache). */
    public boolean called() {
        return outcome.called();
    }

    /** In words, as the audit log and logs show it: {@code ok}, {@code skipped: at capacity}, {@code failed: ...}. */
    public String describe() {
        return detail.isEmpty() ? outcome.text() : outcome.text() + ": " + detail;
    }
}
