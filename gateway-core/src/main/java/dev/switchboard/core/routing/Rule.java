package dev.switchboard.core.routing;

import dev.switchboard.core.config.RuleSpec;
import dev.switchboard.core.config.StrategyKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.random.RandomGenerator;

/** A compiled rule: condition, candidates and the strategy that orders them. */
final class Rule {
    private final int index;
    private final Condition condition;
    private final List<RuleSpec.WeightedBackend> use;
    private final StrategyKind strategy;
    private final String reason;
    private final int totalWeight;

    Rule(int index, RuleSpec spec) {
        this.index = index;
        this.condition = Condition.compile(spec.when());
        this.use = spec.use();
        this.strategy = spec.strategy();
        this.reason = spec.reason();
        this.totalWeight = use.stream().mapToInt(RuleSpec.WeightedBackend::weight).sum();
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

    /** The candidates in the order to try them, each with why. */
    List<CandidateTrace> order(RandomGenerator random) {
        List<CandidateTrace> out = new ArrayList<>(use.size());
        if (strategy == StrategyKind.PRIORITY || use.size() == 1 || totalWeight == 0) {
            for (int i = 0; i < use.size(); i++) {
                out.add(new CandidateTrace(use.get(i).backend(), i,
                        i == 0 ? "priority 1 of " + use.size() : "fallback " + (i + 1) + " of " + use.size()));
            }
            return out;
        }
        int pick = random.nextInt(totalWeight);
        RuleSpec.WeightedBackend chosen = use.get(0);
        for (RuleSpec.WeightedBackend b : use) {
            if (pick < b.weight()) {
                chosen = b;
                break;
            }
            pick -= b.weight();
        }
        out.add(new CandidateTrace(chosen.backend(), 0,
                "weighted pick (weight " + chosen.weight() + " of " + totalWeight + ")"));
        RuleSpec.WeightedBackend first = chosen;
        List<RuleSpec.WeightedBackend> rest = new ArrayList<>(use);
        rest.remove(first);
        rest.sort(Comparator.comparingInt(RuleSpec.WeightedBackend::weight).reversed());
        for (RuleSpec.WeightedBackend b : rest) {
            out.add(new CandidateTrace(b.backend(), out.size(),
                    "fallback by weight (" + b.weight() + " of " + totalWeight + ")"));
        }
        return out;
    }
}
