package dev.switchboard.core.internal.quota;

import dev.switchboard.core.config.QuotaSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Where token quotas are counted: this process, or Redis for the fleet. */
public interface QuotaStore {
    /**
     * Reserves {@code tokens} in every window of {@code quota} (a minute, a day), or in none: the grant holds what was
     * taken, or says which window was full and when it renews.
     */
    CompletableFuture<Grant> reserve(QuotaSpec quota, long tokens);

    /** Settles a grant to what was used: {@code actual} tokens replace the reserved ones. */
    void settle(Grant grant, long actual);

    /** The quotas of a config, by scope and name. */
    List<QuotaSpec> quotas();

    /**
     * What a reservation got.
     *
     * @param quota      the quota asked
     * @param reserved   tokens taken (0 when refused)
     * @param windows    the window keys they were taken in
     * @param fullWindow when refused: {@code minute} or {@code day}; else null
     * @param retryAfter when refused: until that window renews
     * @param shared     whether it was taken in the shared store (else in this process, as a fallback or alone)
     */
    record Grant(QuotaSpec quota, long reserved, List<String> windows, String fullWindow, Duration retryAfter,
            boolean shared) {
        public boolean granted() {
            return fullWindow == null;
        }

        /** The refusal in words a client may read. */
        public String refusal() {
            long limit = fullWindow.equals("minute") ? quota.perMinute() : quota.perDay();
            return quota.scope().name().toLowerCase(java.util.Locale.ROOT).replace("key", "client key") + " '"
                    + quota.name()
                    + "' is over its quota of " + limit + " tokens per " + fullWindow + "; it renews in "
                    + Math.max(1, (retryAfter.toMillis() + 999) / 1000) + " s";
        }
    }
}
