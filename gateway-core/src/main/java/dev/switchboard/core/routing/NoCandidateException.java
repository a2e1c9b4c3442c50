package dev.switchboard.core.routing;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;

/** Every candidate of the matching rule was excluded: 503, with the decision that says why. */
public final class NoCandidateException extends GatewayException {
    private final RoutingDecision decision;

    public NoCandidateException(RoutingDecision decision) {
        super(ErrorKind.UNAVAILABLE, "no backend can take this request now: " + decision.traces().stream()
                .map(t -> t.backend() + " " + t.reason()).collect(java.util.stream.Collectors.joining("; "))
                + (decision.traces().stream().anyMatch(t -> t.exclusion() == Exclusion.STAYS_INTERNAL)
                ? " (customer data is never sent outside)" : ""));
        this.decision = decision;
    }

    public RoutingDecision decision() {
        return decision;
    }

    /**
     * Not when every backend was left out because the request's customer data must stay internal: that is the same
     * answer every time.
     */
    @Override
    public boolean retryable() {
        boolean residencyOnly = !decision.traces().isEmpty() && decision.traces().stream()
                .filter(CandidateTrace::excluded).allMatch(t -> t.exclusion() == Exclusion.STAYS_INTERNAL);
        return !residencyOnly && super.retryable();
    }
}
