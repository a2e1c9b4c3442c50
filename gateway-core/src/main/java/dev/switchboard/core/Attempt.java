package dev.switchboard.core;

/**
 * One step of serving a request: a backend called, or passed over.
 *
 * @param backend the backend
 * @param outcome {@code ok}, {@code skipped: ...} or {@code failed: ...}
 * @param millis  time spent on it
 */
public record Attempt(String backend, String outcome, long millis) {
    public boolean called() {
        return !outcome.startsWith("skipped");
    }
}
