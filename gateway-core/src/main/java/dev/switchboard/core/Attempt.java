package dev.switchboard.core;

/**
 * One step of serving a request: a backend called, or passed over.
 *
 * @param backend the backend
 * @param outcome {@code ok}, {@code skipped: ...}, {@code failed: ...} or {@code refused: ...} (the egress guard
 *                stopped the body before any byte was sent)
 * @param millis  time spent on it
 */
public record Attempt(String backend, String outcome, long millis) {
    /** Whether a backend was actually called (not passed over, not answered from the cache). */
    public boolean called() {
        return !outcome.startsWith("skipped") && !outcome.startsWith(REFUSED) && !outcome.equals(CACHE_HIT);
    }

    /** The outcome of a request answered from the cache. */
    public static final String CACHE_HIT = "cache hit";

    /** The start of the outcome of a body the egress guard refused to send. */
    public static final String REFUSED = "refused: ";
}
