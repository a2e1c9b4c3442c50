package dev.switchboard.langchain4j;

import dev.langchain4j.exception.LangChain4jException;
import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.routing.CandidateTrace;
import dev.switchboard.core.routing.Exclusion;
import dev.switchboard.core.routing.NoCandidateException;
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
        return retryable(g) ? new SwitchboardUnavailableException(g, requestId)
                : new SwitchboardRefusedException(g, requestId);
    }

    /**
     * A 408, 429 or 5xx may pass; but not a budget that is used up, and not "no backend" when every backend was left
     * out because the request's customer data must stay internal — that is the same answer every time.
     */
    static boolean retryable(GatewayException e) {
        if (e.kind() == ErrorKind.BUDGET_EXHAUSTED) {
            return false;
        }
        if (e instanceof NoCandidateException n && residencyOnly(n)) {
            return false;
        }
        return e.status() == 408 || e.status() == 429 || e.status() >= 500;
    }

    private static boolean residencyOnly(NoCandidateException n) {
        return !n.decision().traces().isEmpty() && n.decision().traces().stream()
                .filter(CandidateTrace::excluded).allMatch(t -> t.exclusion() == Exclusion.STAYS_INTERNAL);
    }

    static String message(GatewayException e, String requestId) {
        return e.getMessage() + " (status " + e.status() + ", " + e.kind().code()
                + (requestId == null ? "" : ", request " + requestId) + ")";
    }
}
