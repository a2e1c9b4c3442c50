package dev.switchboard.core.routing;

import dev.switchboard.core.config.StrategyKind;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a request goes and why: the route, the rule that matched, the backends in the order they will be tried,
 * and for every rule and candidate the reason, excluded candidates included. A value: it goes to response headers,
 * the audit log and {@code /admin/explain}.
 *
 * @param id                   unique id of this decision
 * @param route                the route's name
 * @param ruleIndex            the rule that decided
 * @param reason               the rule's written reason (may be empty)
 * @param strategy             how the candidates were ordered
 * @param candidates           backend names to try, first choice first (excluded ones are not here)
 * @param rules                the rules tried, up to the one that matched
 * @param traces               per candidate of the rule, kept and excluded, why
 * @param promptTokenCount     the estimated prompt tokens (o200k), counted when first asked for: a decision that
 *                             needs no count (no prompt-tokens condition, no priced backend, no quota, no
 *                             budget, nobody reading it) takes none; read it as {@link #promptTokens()}
 * @param expectedOutputTokens output assumed for estimates
 * @param hedge                the rule's hedging (a slow first candidate is raced with the next)
 */
public record RoutingDecision(String id, String route, int ruleIndex, String reason, StrategyKind strategy,
        List<String> candidates, List<RuleTrace> rules, List<CandidateTrace> traces,
        java.util.function.IntSupplier promptTokenCount, int expectedOutputTokens,
        dev.switchboard.core.config.HedgeSpec hedge) {
    public RoutingDecision {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(promptTokenCount, "promptTokenCount");
        candidates = List.copyOf(candidates);
        rules = List.copyOf(rules);
        traces = List.copyOf(traces);
        hedge = hedge == null ? dev.switchboard.core.config.HedgeSpec.NONE : hedge;
    }

    /** A decision whose prompt tokens are already counted. */
    public RoutingDecision(String id, String route, int ruleIndex, String reason, StrategyKind strategy,
            List<String> candidates, List<RuleTrace> rules, List<CandidateTrace> traces, int promptTokens,
            int expectedOutputTokens, dev.switchboard.core.config.HedgeSpec hedge) {
        this(id, route, ruleIndex, reason, strategy, candidates, rules, traces, () -> promptTokens,
                expectedOutputTokens, hedge);
    }

    /** Estimated prompt tokens (o200k), counted on the first call (the request remembers the count). */
    public int promptTokens() {
        return promptTokenCount.getAsInt();
    }

    /** The estimate if something has counted it, else -1: reading this never counts. */
    public int promptTokensIfCounted() {
        return promptTokenCount instanceof OnDemand d ? d.ifCounted() : promptTokenCount.getAsInt();
    }

    /**
     * This decision without its hold on the request: the count if it was taken, else "not counted" for good
     * ({@link #promptTokens()} and {@link #promptTokensIfCounted()} then answer -1). What keeps a decision after its
     * request — a call record, the console's recent calls — keeps this, not the request's body.
     */
    public RoutingDecision detached() {
        if (!(promptTokenCount instanceof OnDemand d)) {
            return this;
        }
        int n = d.ifCounted();
        return new RoutingDecision(id, route, ruleIndex, reason, strategy, candidates, rules, traces, n,
                expectedOutputTokens, hedge);
    }

    /** A count taken on the first call from {@code count}, remembered; for {@link #detached()} to tell. */
    public static java.util.function.IntSupplier onDemand(java.util.function.IntSupplier count) {
        return new OnDemand(count);
    }

    private static final class OnDemand implements java.util.function.IntSupplier {
        private final java.util.function.IntSupplier count;
        private volatile int value = -1;

        OnDemand(java.util.function.IntSupplier count) {
            this.count = count;
        }

        @Override
        public int getAsInt() {
            int n = value;
            if (n < 0) {
                n = count.getAsInt();
                value = n;
            }
            return n;
        }

        int ifCounted() {
            return value;
        }
    }

    public String strategyName() {
        return strategy.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private String matchedCondition() {
        for (RuleTrace rule : rules) {
            if (rule.matched()) {
                return rule.condition();
            }
        }
        return "?";
    }

    /** A one-line explanation for logs. */
    public String explain() {
        StringBuilder sb = new StringBuilder("route ").append(route).append(" rule ").append(ruleIndex);
        sb.append(" (").append(matchedCondition()).append(')');
        if (!reason.isEmpty()) {
            sb.append(" reason '").append(reason).append('\'');
        }
        sb.append(" strategy ").append(strategyName());
        sb.append(" -> ").append(String.join(", ", candidates));
        if (hedge.enabled() && candidates.size() > 1) {
            sb.append(" (hedged ").append(hedge.describe()).append(')');
        }
        return sb.toString();
    }

    /**
     * One short sentence for the {@code x-switchboard-decision} header, e.g. {@code rule 2 (always): inhouse-10b,
     * cheapest within SLO; then hosted-100b; excluded: none}. ASCII only, so it is a valid header value.
     */
    public String summary() {
        // Written on every answer: one builder, sized for the usual sentence, no streams.
        StringBuilder sb = new StringBuilder(128).append("rule ").append(ruleIndex).append(" (")
                .append(matchedCondition()).append("): ");
        CandidateTrace first = null;
        for (CandidateTrace t : traces) {
            if (t.position() == 0) {
                first = t;
                break;
            }
        }
        if (first == null) {
            sb.append("no candidate");
        } else {
            sb.append(first.backend()).append(", ").append(first.reason());
        }
        for (int i = 1; i < candidates.size(); i++) {
            sb.append(i == 1 ? "; then " : ", ").append(candidates.get(i));
        }
        boolean any = false;
        for (CandidateTrace t : traces) {
            if (t.excluded()) {
                sb.append(any ? ", " : "; ").append(t.backend()).append(' ').append(t.reason());
                any = true;
            }
        }
        for (int i = 0; i < sb.length(); i++) {
            char c = sb.charAt(i);
            if (c < 32 || c >= 127) {
                sb.setCharAt(i, '?'); // ASCII only: a header value
            }
        }
        return sb.toString();
    }
}
