package dev.switchboard.core;

import java.util.Objects;

/**
 * A request that could not be served, with what the client should see: an HTTP status and an OpenAI-shaped
 * error ({@code message}, {@code type}, {@code code}). Messages never carry prompt text or credentials.
 */
public class GatewayException extends RuntimeException {
    private final ErrorKind kind;
    private final int status;
    private final String param;

    public GatewayException(ErrorKind kind, String message) {
        this(kind, kind.status(), message, null, null);
    }

    public GatewayException(ErrorKind kind, String message, Throwable cause) {
        this(kind, kind.status(), message, null, cause);
    }

    /** With an explicit status, for upstream answers passed on as they were. */
    public GatewayException(ErrorKind kind, int status, String message, String param, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.status = status;
        this.param = param;
    }

    public static GatewayException invalid(String param, String message) {
        return new GatewayException(ErrorKind.INVALID_REQUEST, ErrorKind.INVALID_REQUEST.status(), message, param,
                null);
    }

    public ErrorKind kind() {
        return kind;
    }

    public int status() {
        return status;
    }

    /** How long the client should wait before trying again, when that is known. */
    public java.util.Optional<java.time.Duration> retryAfter() {
        return java.util.Optional.empty();
    }

    /** The request field at fault, or {@code null}. */
    public String param() {
        return param;
    }

    /**
     * Whether the same request may succeed if sent again: a 408, 429 or 5xx may pass; a 4xx will not, nor a budget
     * that is used up. The framework adapters map this to their retriable and non-retriable exceptions.
     */
    public boolean retryable() {
        return kind() != ErrorKind.BUDGET_EXHAUSTED && (status() == 408 || status() == 429 || status() >= 500);
    }

    /** The message with its status, code and the request's id, as an application's log or exception should read. */
    public String describe(String requestId) {
        return getMessage() + " (status " + status() + ", " + kind().code()
                + (requestId == null ? "" : ", request " + requestId) + ")";
    }
}
