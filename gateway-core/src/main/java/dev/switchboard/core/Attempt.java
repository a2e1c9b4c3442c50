package dev.switchboard.core;

import dev.switchboard.core.backend.UpstreamFailure;
import java.util.Objects;
import java.util.Optional;

/**
 * One step of serving a request: a backend called, passed over, refused or answered from the cache.
 *
 * @param backend the backend
 * @param outcome what happened, as a type; {@link #describe()} renders it for logs and the audit log
 * @param failure for a failed or refused call, how it failed (connect, first-token timeout, a status, ...)
 * @param status  for a failure of kind {@link UpstreamFailure.Kind#STATUS}, the upstream's HTTP status; else 0
 * @param detail  the words behind a failure (the upstream's message), or empty
 * @param millis  time spent on it
 */
public record Attempt(String backend, Outcome outcome, Optional<UpstreamFailure.Kind> failure, int status,
        String detail, long millis) {
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
        /** Passed over: the backend's token quota (its tokens per minute or day) is full. */
        SKIPPED_OVER_QUOTA("skipped: over its token quota"),
        SKIPPED_STATE_UNAVAILABLE("skipped: shared state unavailable"),
        /** Called, and it failed (the detail says how). */
        FAILED("failed"),
        /** The egress guard stopped the body before any byte was sent. */
        REFUSED("refused"),
        /** Called, and the client left before it answered. */
        CANCELLED("cancelled"),
        /** Called as one of a hedged pair, and called off because the other answered first. */
        HEDGE_LOST("cancelled");

        private final String text;

        Outcome(String text) {
            this.text = text;
        }

        /** Whether a backend was actually called (not passed over, not refused, not answered from the cache). */
        public boolean called() {
            return this == OK || this == FAILED || this == CANCELLED || this == HEDGE_LOST;
        }

        public String text() {
            return text;
        }
    }

    public Attempt {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(failure, "failure");
        detail = detail == null ? "" : detail; // a factory's failure without a message still makes an attempt
    }

    public Attempt(String backend, Outcome outcome, String detail, long millis) {
        this(backend, outcome, Optional.empty(), 0, detail, millis);
    }

    public Attempt(String backend, Outcome outcome, long millis) {
        this(backend, outcome, "", millis);
    }

    /**
     * A call that failed: refused by the egress guard (nothing sent) or failed upstream, with its kind and status;
     * the detail is the failure in words a client may read (attempts end up in error messages).
     */
    public static Attempt failed(String backend, UpstreamFailure failure, long millis) {
        Outcome outcome = failure.kind() == UpstreamFailure.Kind.EGRESS_REFUSED ? Outcome.REFUSED : Outcome.FAILED;
        return new Attempt(backend, outcome, Optional.of(failure.kind()), failure.status(), failure.clientMessage(),
                millis);
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
