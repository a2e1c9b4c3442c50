package dev.switchboard.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.compliance.Verdict;
import dev.switchboard.core.routing.DecisionFields;
import dev.switchboard.core.routing.RoutingDecision;

/** A routing decision as JSON: the full trace for {@code /admin/explain} and {@code switchboard explain}. */
public final class DecisionJson {
    private DecisionJson() {
    }

    /** The compliance verdict: what was found (kinds and counts, never values) and what that allows. */
    public static ObjectNode compliance(Verdict v) {
        return HttpResponses.JSON.valueToTree(DecisionFields.compliance(v));
    }

    /** The decision with the verdict that shaped it. */
    public static ObjectNode of(RoutingDecision d, Verdict v) {
        return HttpResponses.JSON.valueToTree(DecisionFields.of(d, v));
    }

    public static ObjectNode of(RoutingDecision d) {
        return HttpResponses.JSON.valueToTree(DecisionFields.of(d));
    }
}
