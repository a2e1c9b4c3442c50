package dev.switchboard.springai;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import java.time.Duration;
import java.util.Optional;
import org.springframework.ai.retry.TransientAiException;

/**
 * The gateway could not serve the request now, and the same request may succeed later: rate limits, every backend
 * failing, timing out, busy or with an open circuit, an unreachable shared store. A {@link TransientAiException}.
 */
public final class SwitchboardUnavailableException extends TransientAiException implements SwitchboardFailure {
    private final GatewayException cause;
    private final String requestId;

    SwitchboardUnavailableException(GatewayException cause, String requestId) {
        super(cause.describe(requestId), cause);
        this.cause = cause;
        this.requestId = requestId;
    }

    /** How long to wait before trying again, when the gateway knows. */
    public Optional<Duration> retryAfter() {
        return cause.retryAfter();
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
