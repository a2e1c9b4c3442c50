package dev.switchboard.core.config;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * Retries on the same backend before failing over to the next candidate, and how long a backend's
 * {@code Retry-After} keeps it out.
 *
 * @param attempts      tries per backend, the first included (1 = fail over at once)
 * @param backoffMin    the first backoff; each next one doubles, with full jitter
 * @param backoffMax    the largest backoff
 * @param maxRetryAfter the longest cool-down a backend's {@code Retry-After} imposes (a longer one is cut to this)
 * @param sameBackendOn the failures worth trying the same backend again for; any other moves to the next candidate
 */
public record RetrySpec(int attempts, Duration backoffMin, Duration backoffMax, Duration maxRetryAfter,
        Set<FailureClass> sameBackendOn) {
    /** A timeout says the backend is stuck: waiting for it a second time only doubles the wait. */
    public static final Set<FailureClass> SAME_BACKEND_DEFAULT = Set.copyOf(EnumSet.of(FailureClass.CONNECT,
            FailureClass.SERVER_ERROR, FailureClass.RATE_LIMITED, FailureClass.BROKEN));
    public static final RetrySpec DEFAULTS = new RetrySpec(2, Duration.ofMillis(100), Duration.ofSeconds(2),
            Duration.ofSeconds(60), SAME_BACKEND_DEFAULT);

    public RetrySpec {
        sameBackendOn = Set.copyOf(sameBackendOn);
    }

    /** Whether a failure of this class is tried again on the same backend (while tries are left). */
    public boolean sameBackendOn(FailureClass failure) {
        return sameBackendOn.contains(failure);
    }
}
