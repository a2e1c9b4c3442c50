package dev.switchboard.core.config;

/** Kinds of upstream failure, as {@code resilience.retry.same-backend-on} names them. */
public enum FailureClass {
    /** The connection could not be opened (refused, unknown host, connect timeout). */
    CONNECT,
    /** HTTP 5xx or 408. */
    SERVER_ERROR,
    /** HTTP 429 without a {@code Retry-After} (with one, the backend cools down and the request moves on). */
    RATE_LIMITED,
    /** The connection broke, or the answer was cut or malformed. */
    BROKEN,
    /** No first token in time, silence mid-stream, too slow, or past the total time: the backend is stuck. */
    TIMEOUT
}
