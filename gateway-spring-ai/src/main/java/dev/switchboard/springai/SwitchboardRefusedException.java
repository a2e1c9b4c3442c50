package dev.switchboard.springai;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import org.springframework.ai.retry.NonTransientAiException;

/**
 * The gateway refused the request in a way that retrying it unchanged cannot help: a bad request, an unknown route, a
 * blocked prompt, a key without access, or customer data that may only go to internal backends when the route has
 * none. A {@link NonTransientAiException}, so Spring AI's retry templates do not retry it.
 */
public final class SwitchboardRefusedException extends NonTransientAiException implements SwitchboardFailure {
    private final GatewayException cause;
    private final String requestId;

    SwitchboardRefusedException(GatewayException cause, String requestId) {
        super(cause.describe(requestId), cause);
        this.cause = cause;
        this.requestId = requestId;
    }

    @Override
    public ErrorKind kind() {
        return cause.kind();
    }

    @Override
    public int status() {
        return cause.status();
    }

    @Override
    public String requestId() {
        return requestId;
    }

    @Override
    public GatewayException gatewayException() {
        return cause;
    }
}
