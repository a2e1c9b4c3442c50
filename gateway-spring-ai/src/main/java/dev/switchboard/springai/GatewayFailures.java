package dev.switchboard.springai;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Which of the two Spring AI exceptions a gateway failure becomes (the same rule as gateway-langchain4j's). */
final class GatewayFailures {
    private GatewayFailures() {
    }

    static RuntimeException map(Throwable error, String requestId) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof SwitchboardFailure && cause instanceof RuntimeException r) {
            return r;
        }
        GatewayException g = cause instanceof GatewayException ge ? ge
                : new GatewayException(ErrorKind.INTERNAL, "unexpected failure: " + cause, cause);
        return g.retryable() ? new SwitchboardUnavailableException(g, requestId)
                : new SwitchboardRefusedException(g, requestId);
    }
}
