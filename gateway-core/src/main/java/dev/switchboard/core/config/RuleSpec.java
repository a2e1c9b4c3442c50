package dev.switchboard.core.config;

import java.util.List;
import java.util.Objects;

/**
 * One rule of a route: when its condition holds, its candidates are tried by its strategy.
 *
 * @param when     the condition ({@link ConditionSpec.Always} when absent)
 * @param use      candidate backends with their weights (1 unless written)
 * @param strategy how the candidates are ordered
 * @param reason   the human reason shown in decisions; may be empty
 * @param slo      latency objective for {@link StrategyKind#CHEAPEST_WITHIN_SLO} and spill-over
 * @param hedge    whether a slow first candidate is hedged with the next one
 */
public record RuleSpec(ConditionSpec when, List<WeightedBackend> use, StrategyKind strategy, String reason,
        SloSpec slo, HedgeSpec hedge) {
    public RuleSpec {
        Objects.requireNonNull(slo, "slo");
        Objects.requireNonNull(hedge, "hedge");
        Objects.requireNonNull(when, "when");
        use = List.copyOf(use);
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(reason, "reason");
    }

    /** A backend named by a rule, with its weight for {@link StrategyKind#WEIGHTED}. */
    public record WeightedBackend(String backend, int weight) {
        public WeightedBackend {
            Objects.requireNonNull(backend, "backend");
            if (weight < 0) {
                throw new IllegalArgumentException("weight: " + weight + " (expected: >= 0)");
            }
        }
    }
}
