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
}
