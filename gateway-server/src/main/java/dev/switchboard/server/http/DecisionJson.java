package dev.switchboard.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.compliance.Verdict;
import dev.switchboard.core.routing.CandidateTrace;
import dev.switchboard.core.routing.RoutingDecision;
import dev.switchboard.core.routing.RuleTrace;

/** A routing decision as JSON: the full trace for {@code /admin/explain} and {@code switchboard explain}. */
public final class DecisionJson {
    private DecisionJson() {
    }

    /** The compliance verdict: what was found (kinds and counts, never values) and what that allows. */
    public static ObjectNode compliance(Verdict v) {
        ObjectNode o = HttpResponses.JSON.createObjectNode();
        o.put("verdict", v.describe());
        ObjectNode found = o.putObject("found");
        v.found().counts().forEach(found::put);
        return o;
    }

    /** The decision with the verdict that shaped it. */
    public static ObjectNode of(RoutingDecision d, Verdict v) {
        ObjectNode o = of(d);
        o.set("compliance", compliance(v));
        return o;
    }

    public static ObjectNode of(RoutingDecision d) {
        ObjectNode o = HttpResponses.JSON.createObjectNode();
        o.put("decision_id", d.id());
        o.put("route", d.route());
        o.put("rule", d.ruleIndex());
        o.put("reason", d.reason());
        o.put("strategy", d.strategyName());
        o.put("summary", d.summary());
        o.put("estimated_prompt_tokens", d.promptTokens());
        o.put("expected_output_tokens", d.expectedOutputTokens());
        ArrayNode rules = o.putArray("rules");
        for (RuleTrace r : d.rules()) {
            rules.addObject().put("index", r.index()).put("condition", r.condition()).put("matched", r.matched());
        }
        ArrayNode order = o.putArray("order");
        d.candidates().forEach(order::add);
        ArrayNode candidates = o.putArray("candidates");
        for (CandidateTrace t : d.traces()) {
            ObjectNode c = candidates.addObject();
            c.put("backend", t.backend());
            c.put("position", t.position());
            c.put("excluded", t.excluded());
            if (t.exclusion() != null) {
                c.put("exclusion", t.exclusion().name().toLowerCase(java.util.Locale.ROOT)); // the type; reason: words
            }
            c.put("reason", t.reason());
            c.put("estimated_cost", t.estimatedCost());
            c.put("currency", t.currency());
            if (Double.isNaN(t.predictedFirstTokenMillis())) {
                c.putNull("predicted_first_token_p95_ms");
            } else {
                c.put("predicted_first_token_p95_ms", Math.round(t.predictedFirstTokenMillis() * 10) / 10.0);
            }
            if (Double.isNaN(t.predictedTotalMillis())) {
                c.putNull("predicted_total_ms");
            } else {
                c.put("predicted_total_ms", Math.round(t.predictedTotalMillis() * 10) / 10.0);
            }
        }
        return o;
    }
}
