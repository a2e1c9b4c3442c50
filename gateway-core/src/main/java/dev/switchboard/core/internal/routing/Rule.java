package dev.switchboard.core.internal.routing;

import dev.switchboard.core.config.RuleSpec;
import dev.switchboard.core.config.SloSpec;
import dev.switchboard.core.config.StrategyKind;
import java.util.List;

/** A compiled rule: condition, candidates, the strategy that orders them and its SLO. */
final class Rule {
    private final int index;
    private final Condition condition;
    private final List<RuleSpec.WeightedBackend> use;
    private final dev.switchboard.core.config.HedgeSpec hedge;
    private final StrategyKind strategy;
    private final String reason;
    private final SloSpec slo;
    private final int totalWeight;

    Rule(int index, RuleSpec spec) {
        this.index = index;
        this.condition = Condition.compile(spec.when());
        this.use = spec.use();
        this.strategy = spec.strategy();
        this.reason = spec.reason();
        this.slo = spec.slo();
        this.hedge = spec.hedge();
        this.totalWeight = use.stream().mapToInt(RuleSpec.WeightedBackend::weight).sum();
    }

    int totalWeight() {
        return totalWeight;
    }

    int index() {
        return index;
    }

    Condition condition() {
        return condition;
    }

    StrategyKind strategy() {
        return strategy;
    }

    String reason() {
        return reason;
    }

    SloSpec slo() {
        return slo;
    }

    dev.switchboard.core.config.HedgeSpec hedge() {
        return hedge;
    }

    List<RuleSpec.WeightedBackend> use() {
        return use;
    }
}
