package dev.switchboard.core.backend;

import java.time.Duration;
import java.util.Optional;

/**
 * Why a call to a backend failed, classified so the failover executor knows whether another candidate may
 * serve the request.
 */
public final class UpstreamFailure extends Exception {

    /** The ways a backend call fails; each has its own message and metric. */
    public enum Kind {
        /** The connection could not be made (refused, unreachable, connect timeout). */
        CONNECT,
        /** No first token within {@code first-token-timeout}. */
        FIRST_TOKEN_TIMEOUT,
        /** Silence between two chunks longer than {@code idle-timeout}. */
        IDLE_TIMEOUT,
        /** Slower than {@code min-tokens-per-second} after the first token. */
        TOO_SLOW,
        /** The whole call took longer than {@code total-timeout}. */
        TOTAL_TIMEOUT,
        /** Another read or write timeout. */
        TIMEOUT,
        IO,
        /** A non-2xx answer. */
        STATUS,
        /** The stream ended without {@code [DONE]} or a finish reason. */
        TRUNCATED,
        /** The caller gave up. */
        CANCELLED,
        /**
         * The egress guard found customer data in a body bound for an external backend: nothing was sent. Not the
         * backend's fault, and no use trying it again; the next candidate may be internal.
         */
        EGRESS_REFUSED;

        public boolean isTimeout() {
            return this == FIRST_TOKEN_TIMEOUT || this == IDLE_TIMEOUT || this == TOTAL_TIMEOUT || this == TIMEOUT;
        }

        public String metricName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Kind kind;
    private final String backend;
    private final int status;
    private final String body;
    private final Duration retryAfter;

    public UpstreamFailure(Kind kind, String backend, String message, int status, String body, Duration retryAfter,
            Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.backend = backend;
        this.status = status;
        this.body = body;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    public String backend() {
        return backend;
    }

    /** The upstream's HTTP status for {@link Kind#STATUS}, else 0. */
    public int status() {
        return status;
    }

    /** The upstream's error body for {@link Kind#STATUS}, else empty. */
    public String body() {
        return body == null ? "" : body;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /**
     * Whether the request itself was refused (4xx other than 408 and 429): another backend would refuse it too,
     * and the backend is not at fault.
     */
    /** Whether this says the backend is unhealthy (counted by its breaker); refusals of the request are not. */
    public boolean countsAgainstBackend() {
        // A vendor's 429 is throttling, not sickness: it cools the backend down but does not open its breaker.
        return kind != Kind.CANCELLED && kind != Kind.EGRESS_REFUSED && !isClientError()
                && !(kind == Kind.STATUS && status == 429);
    }

    /** Whether trying the same backend again may help: a failure of any {@link #failureClass() class}. */
    public boolean retryable() {
        return failureClass() != null;
    }

    /** The class {@code resilience.retry.same-backend-on} names this failure by; null when it is not retryable. */
    public dev.switchboard.core.config.FailureClass failureClass() {
        return switch (kind) {
            case CONNECT -> dev.switchboard.core.config.FailureClass.CONNECT;
            case STATUS -> status == 429 ? dev.switchboard.core.config.FailureClass.RATE_LIMITED
                    : status == 408 || status >= 500 ? dev.switchboard.core.config.FailureClass.SERVER_ERROR : null;
            case IO, TRUNCATED -> dev.switchboard.core.config.FailureClass.BROKEN;
            case TIMEOUT, FIRST_TOKEN_TIMEOUT, IDLE_TIMEOUT, TOO_SLOW, TOTAL_TIMEOUT ->
                    dev.switchboard.core.config.FailureClass.TIMEOUT;
            case CANCELLED, EGRESS_REFUSED -> null;
        };
    }

    /**
     * The backend asked every caller to stay away for a while: a 429 or 503 with {@code Retry-After}. The backend
     * cools down for that long (capped by config) and the request moves on at once.
     */
    public boolean asksForCoolDown() {
        return kind == Kind.STATUS && (status == 429 || status == 503) && retryAfter != null;
    }

    /**
     * What a client may be told: the backend's name and what went wrong, never an address or a library's exception
     * text (those are in the log and the audit record).
     */
    public String clientMessage() {
        return switch (kind) {
            case CONNECT -> "cannot connect to backend '" + backend + "'";
            case IO -> "I/O error talking to backend '" + backend + "'";
            case TIMEOUT -> "backend '" + backend + "' timed out";
            default -> getMessage() != null ? getMessage() : "backend '" + backend + "' failed (" + kind.metricName()
                    + ")";
        };
    }

    /** For the log: the message and, when there is one, what caused it (an address, a library's words). */
    public String detail() {
        Throwable cause = getCause();
        boolean said = cause == null || cause.getMessage() != null && getMessage() != null
                && getMessage().contains(cause.getMessage());
        return said ? getMessage() : getMessage() + " (" + cause + ")";
    }

    public boolean isClientError() {
        return kind == Kind.STATUS && status >= 400 && status < 500 && status != 408 && status != 429;
    }
}
