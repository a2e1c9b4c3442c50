package dev.switchboard.core.routing;

import dev.switchboard.core.config.StrategyKind;
import java.util.List;
import java.util.Objects;

/**
 * Where a request goes and why: the route, the rule that matched, the backends in the order they will be tried,
 * and for every rule and candidate the reason. A value: it goes to response headers and the audit log.
 *
 * @param id         unique id of this decision
 * @param route      the route's name
 * @param ruleIndex  the rule that decided
 * @param reason     the rule's written reason (may be empty)
 * @param strategy   how the candidates were ordered
 * @param candidates backend names, first choice first
 * @param rules      the rules tried, up to the one that matched
 * @param traces     per candidate, why it stands where it does
 */
public record RoutingDecision(String id, String route, int ruleIndex, String reason, StrategyKind strategy,
        List<String> candidates, List<RuleTrace> rules, List<CandidateTrace> traces) {
    public RoutingDecision {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(route, "route");
        candidates = List.copyOf(candidates);
        rules = List.copyOf(rules);
        traces = List.copyOf(traces);
    }

    /** A one-line explanation for logs and headers. */
    public String explain() {
        StringBuilder sb = new StringBuilder("route ").append(route).append(" rule ").append(ruleIndex);
        rules.stream().filter(RuleTrace::matched).findFirst()
                .ifPresent(r -> sb.append(" (").append(r.condition()).append(')'));
        if (!reason.isEmpty()) {
            sb.append(" reason '").append(reason).append('\'');
        }
        sb.append(" strategy ").append(strategy.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        sb.append(" -> ").append(String.join(", ", candidates));
        return sb.toString();
    }
}
