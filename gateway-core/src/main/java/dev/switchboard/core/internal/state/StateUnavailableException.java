package dev.switchboard.core.internal.state;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;

/** The shared state store could not answer (down, slow, or its breaker is open). */
public final class StateUnavailableException extends GatewayException {
    public StateUnavailableException(String message, Throwable cause) {
        super(ErrorKind.STATE_UNAVAILABLE, message, cause);
    }
}
