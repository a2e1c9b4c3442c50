package dev.switchboard.springai;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;

/**
 * What the gateway said when it could not serve a call, on either of the two exceptions the model throws:
 * {@link SwitchboardRefusedException} (retrying the same request cannot help) or
 * {@link SwitchboardUnavailableException} (it may, later).
 */
public interface SwitchboardFailure {
    /** The kind, e.g. {@link ErrorKind#SENSITIVE_DATA_BLOCKED}. */
    ErrorKind kind();

    /** The HTTP status a client of the sidecar would have seen. */
    int status();

    /** The gateway's id of the request: the audit log and the logs carry it too; null if none was made. */
    String requestId();

    /** The gateway's exception, as it was thrown. */
    GatewayException gatewayException();
}
