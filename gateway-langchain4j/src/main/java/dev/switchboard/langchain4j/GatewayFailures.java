package dev.switchboard.langchain4j;

import dev.langchain4j.exception.LangChain4jException;
import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Which of the two LangChain4j exceptions a gateway failure becomes. */
final class GatewayFailures {
    private GatewayFailures() {
    }

    static LangChain4jException map(Throwable error, String requestId) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof LangChain4jException l) {
            return l;
        }
        GatewayException g = cause instanceof GatewayException ge ? ge
                : new GatewayException(ErrorKind.INTERNAL, "unexpected failure: " + cause, cause);
        return g.retryable() ? new SwitchboardUnavailableException(g, requestId)
                : new SwitchboardRefusedException(g, requestId);
    }
}
