package dev.switchboard.core.backend;

import java.time.Duration;
import java.util.Optional;

/**
 * Why a call to a backend failed, classified so the failover executor knows whether another candidate may
 * serve the request.
 */
public final class UpstreamFailure extends Exception {

    /** The ways a backend call fails. */
    public enum Kind {
        CONNECT, TIMEOUT, IO, STATUS, TRUNCATED, CANCELLED
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
    public boolean isClientError() {
        return kind == Kind.STATUS && status >= 400 && status < 500 && status != 408 && status != 429;
    }
}
