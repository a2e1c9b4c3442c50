package dev.switchboard.core.internal.state;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;

/**
 * The shared state store could not answer (down, slow, or its breaker is open). The message reaches clients, so it
 * says what could not be done in the gateway's words — never the store's address or its client library's text,
 * which are in the cause, the debug log and {@code /admin/state} ({@code last_error}).
 */
public final class StateUnavailableException extends GatewayException {
    public StateUnavailableException(String message, Throwable cause) {
        super(ErrorKind.STATE_UNAVAILABLE, message, cause);
    }
}
