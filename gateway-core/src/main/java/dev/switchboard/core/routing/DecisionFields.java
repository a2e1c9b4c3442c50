package dev.switchboard.core.routing;

import dev.switchboard.core.compliance.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A routing decision as plain fields (maps, lists, strings, numbers; insertion-ordered), for whatever writes JSON: the
 * sidecar's {@code /admin/explain}, {@code switchboard explain} and the Spring Boot actuator endpoint all show the
 * same trace under the same names.
 */
public final class DecisionFields {
    private DecisionFields() {
    }

    /** The compliance verdict: what was found (kinds and counts, never values) and what that allows. */
    public static Map<String, Object> compliance(Verdict v) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("verdict", v.describe());
        o.put("found", new LinkedHashMap<>(v.found().counts()));
        return o;
    }

    /** The decision with the verdict that shaped it. */
    public static Map<String, Object> of(RoutingDecision d, Verdict v) {
        Map<String, Object> o = of(d);
        o.put("compliance", compliance(v));
        return o;
    }

    public static Map<String, Object> of(RoutingDecision d) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("decision_id", d.id());
        o.put("route", d.route());
        o.put("rule", d.ruleIndex());
        o.put("reason", d.reason());
        o.put("strategy", d.strategyName());
        o.put("summary", d.summary());
        // Only when something counted it (a price, a condition, a quota, the audit log): a reader never makes the
        // request pay for the tokenizer (null: nothing needed the count).
        int tokens = d.promptTokensIfCounted();
        o.put("estimated_prompt_tokens", tokens < 0 ? null : tokens);
        o.put("expected_output_tokens", d.expectedOutputTokens());
        List<Object> rules = new ArrayList<>();
        for (RuleTrace r : d.rules()) {
            Map<String, Object> rule = new LinkedHashMap<>();
            rule.put("index", r.index());
            rule.put("condition", r.condition());
            rule.put("matched", r.matched());
            rules.add(rule);
        }
        o.put("rules", rules);
        o.put("order", List.copyOf(d.candidates()));
        List<Object> candidates = new ArrayList<>();
        for (CandidateTrace t : d.traces()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("backend", t.backend());
            c.put("position", t.position());
            c.put("excluded", t.excluded());
            if (t.exclusion() != null) {
                c.put("exclusion", t.exclusion().name().toLowerCase(Locale.ROOT)); // the type; reason: the words
            }
            c.put("reason", t.reason());
            c.put("estimated_cost", t.estimatedCost());
            c.put("currency", t.currency());
            c.put("predicted_first_token_p95_ms", tenths(t.predictedFirstTokenMillis()));
            c.put("predicted_total_ms", tenths(t.predictedTotalMillis()));
            candidates.add(c);
        }
        o.put("candidates", candidates);
        return o;
    }

    /** Milliseconds to a tenth, or null when there is no prediction yet. */
    private static Double tenths(double millis) {
        return Double.isNaN(millis) ? null : Math.round(millis * 10) / 10.0;
    }
}
