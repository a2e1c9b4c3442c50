package dev.switchboard.core.internal.routing;

import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.config.BudgetSpec;
import dev.switchboard.core.config.Residency;
import dev.switchboard.core.config.RuleSpec;
import dev.switchboard.core.config.SloSpec;
import dev.switchboard.core.config.StrategyKind;
import dev.switchboard.core.internal.stats.BackendStats;
import dev.switchboard.core.routing.CandidateTrace;
import dev.switchboard.core.routing.Exclusion;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * Orders one rule's candidates for one request: the strategy's order over estimated cost and predicted latency,
 * backends predicted over the rule's SLO passed over for those within it, and backends that cannot take the call
 * now (at capacity, or external while the tenant's budget allows internal use only) excluded, each with its reason.
 */
final class CandidateRanker {
    private CandidateRanker() {
    }

    /** A candidate's figures for this request. */
    private record Candidate(RuleSpec.WeightedBackend use, BackendSpec spec, double cost, double firstTokenP95,
            double total, boolean withinSlo, Exclusion exclusion, String excludedBecause) {
        boolean known(double v) {
            return !Double.isNaN(v);
        }
    }

    static List<CandidateTrace> rank(Rule rule, Map<String, BackendSpec> backends, RoutingInput in,
            java.util.function.IntSupplier promptTokens, int expectedOutput, LiveSignals signals,
            RandomGenerator random,
            Predicate<Residency> admitted) {
        Optional<BudgetSpec.WhenExhausted> budget = signals.exhaustedBudget(in.tenant());
        List<Candidate> all = new ArrayList<>();
        for (RuleSpec.WeightedBackend use : rule.use()) {
            BackendSpec spec = backends.get(use.backend());
            BackendStats stats = signals.stats(spec.name());
            double cost = Costs.estimate(spec, promptTokens, expectedOutput);
            double ttftP95 = predictedFirstToken(spec, stats, 95);
            double ttftP50 = predictedFirstToken(spec, stats, 50);
            double tps = stats != null && stats.tokensPerSecond(50).isPresent() ? stats.tokensPerSecond(50).getAsDouble()
                    : spec.expected().tokensPerSecond() > 0 ? spec.expected().tokensPerSecond() : Double.NaN;
            double total = Double.isNaN(ttftP50) || Double.isNaN(tps) ? Double.NaN
                    : ttftP50 + expectedOutput / tps * 1000;
            double totalP95 = Double.isNaN(ttftP95) || Double.isNaN(tps) ? Double.NaN
                    : ttftP95 + expectedOutput / tps * 1000;
            boolean within = withinSlo(rule.slo(), ttftP95, totalP95);
            Exclusion exclusion = null;
            String because = null;
            java.util.Optional<java.time.Instant> coolingDown = signals.coolingDownUntil(spec.name());
            if (!admitted.test(spec.residency())) {
                exclusion = Exclusion.STAYS_INTERNAL;
                because = exclusion.describe(String.join(", ", in.sensitive().kinds()));
            } else if (signals.circuitOpen(spec.name())) {
                exclusion = Exclusion.CIRCUIT_OPEN;
                because = exclusion.describe("");
            } else if (coolingDown.isPresent()) {
                exclusion = Exclusion.COOLING_DOWN;
                because = exclusion.describe(coolingDown.get().toString());
            } else if (stats != null && stats.atCapacity()) {
                exclusion = Exclusion.AT_CAPACITY;
                because = exclusion.describe(stats.inFlight() + "/" + stats.capacity());
            } else if (budget.isPresent() && budget.get() == BudgetSpec.WhenExhausted.INTERNAL_ONLY
                    && spec.residency() == Residency.EXTERNAL) {
                exclusion = Exclusion.BUDGET_INTERNAL_ONLY;
                because = exclusion.describe("");
            }
            all.add(new Candidate(use, spec, cost, ttftP95, total, within, exclusion, because));
        }

        List<Candidate> order = strategyOrder(rule, all, random);
        // Spill-over: with an SLO, a backend predicted over it is tried only after those within it.
        if (!rule.slo().isEmpty() && rule.strategy() != StrategyKind.CHEAPEST_WITHIN_SLO) {
            List<Candidate> within = new ArrayList<>(order.stream().filter(Candidate::withinSlo).toList());
            within.addAll(order.stream().filter(c -> !c.withinSlo()).toList());
            order = within;
        }

        List<CandidateTrace> out = new ArrayList<>();
        int position = 0;
        for (Candidate c : order) {
            if (c.exclusion() != null) {
                continue;
            }
            out.add(trace(c, position, reason(rule, c, position, order, in)));
            position++;
        }
        for (Candidate c : order) {
            if (c.exclusion() != null) {
                out.add(trace(c, -1, "excluded: " + c.excludedBecause()));
            }
        }
        return out;
    }

    private static List<Candidate> strategyOrder(Rule rule, List<Candidate> all, RandomGenerator random) {
        List<Candidate> order = new ArrayList<>(all);
        Comparator<Candidate> byCost = Comparator.comparingDouble(Candidate::cost);
        Comparator<Candidate> byTime = Comparator.comparingDouble(c -> c.known(c.total()) ? c.total()
                : Double.MAX_VALUE);
        switch (rule.strategy()) {
            case PRIORITY -> { }
            case WEIGHTED -> {
                int total = all.stream().mapToInt(c -> c.use().weight()).sum();
                if (total > 0 && all.size() > 1) {
                    int pick = random.nextInt(total);
                    Candidate chosen = all.get(0);
                    for (Candidate c : all) {
                        if (pick < c.use().weight()) {
                            chosen = c;
                            break;
                        }
                        pick -= c.use().weight();
                    }
                    order.remove(chosen);
                    order.sort(Comparator.comparingInt((Candidate c) -> c.use().weight()).reversed());
                    order.add(0, chosen);
                }
            }
            case CHEAPEST -> order.sort(byCost);
            case FASTEST -> order.sort(byTime);
            case CHEAPEST_WITHIN_SLO -> {
                List<Candidate> within = new ArrayList<>(all.stream().filter(Candidate::withinSlo).sorted(byCost)
                        .toList());
                List<Candidate> over = all.stream().filter(c -> !c.withinSlo()).sorted(byTime).toList();
                within.addAll(over);
                order = within;
            }
        }
        return order;
    }

    private static String reason(Rule rule, Candidate c, int position, List<Candidate> order, RoutingInput in) {
        // Built for every request's decision: no list or fallback text unless there is something to put in them.
        String cost = c.cost() > 0 ? "est " + money(c.cost()) + " " + c.spec().price().currency() : null;
        String p95 = c.known(c.firstTokenP95()) ? "first token p95 " + Math.round(c.firstTokenP95()) + " ms" : null;
        int total = rule.totalWeight();
        String fallback = position == 0 ? null : "fallback " + (position + 1) + " of " + order.size();
        String why = switch (rule.strategy()) {
            case PRIORITY -> position == 0 ? "priority 1 of " + order.size() : fallback;
            case WEIGHTED -> position == 0 ? "weighted pick (weight " + c.use().weight() + " of " + total + ")"
                    : fallback + " by weight (" + c.use().weight() + " of " + total + ")";
            case CHEAPEST -> position == 0 ? "cheapest" : fallback + " by cost";
            case FASTEST -> !c.known(c.total()) ? (position == 0 ? "first; " : fallback + "; ") + "no latency data yet"
                    : position == 0 ? "fastest" : fallback + " by predicted time";
            case CHEAPEST_WITHIN_SLO -> c.withinSlo()
                    ? (position == 0 ? "cheapest within SLO" : fallback + " within SLO, by cost")
                    : (position == 0 ? "none within SLO: fastest" : fallback + " over SLO, by predicted time");
        };
        if (!rule.slo().isEmpty() && rule.strategy() != StrategyKind.CHEAPEST_WITHIN_SLO && !c.withinSlo()) {
            why += ", passed over: predicted over SLO";
        }
        return cost == null && p95 == null ? why
                : why + " (" + (cost == null ? p95 : p95 == null ? cost : cost + ", " + p95) + ")";
    }

    private static CandidateTrace trace(Candidate c, int position, String reason) {
        return new CandidateTrace(c.spec().name(), position, reason, c.cost(), c.spec().price().currency(),
                c.firstTokenP95(), c.total(), position < 0 ? c.exclusion() : null);
    }

    private static double predictedFirstToken(BackendSpec spec, BackendStats stats, double percentile) {
        if (stats != null && stats.firstTokenMillis(percentile).isPresent()) {
            return stats.firstTokenMillis(percentile).getAsDouble();
        }
        return spec.expected().firstToken() == null ? Double.NaN : spec.expected().firstToken().toNanos() / 1e6;
    }

    /** Unknown predictions count as within: a backend without data gets traffic, and so data. */
    private static boolean withinSlo(SloSpec slo, double firstTokenP95, double totalP95) {
        boolean first = slo.firstTokenP95() == null || Double.isNaN(firstTokenP95)
                || firstTokenP95 <= slo.firstTokenP95().toNanos() / 1e6;
        boolean total = slo.totalP95() == null || Double.isNaN(totalP95)
                || totalP95 <= slo.totalP95().toNanos() / 1e6;
        return first && total;
    }

    /** An amount to three significant digits, in plain notation, without BigDecimal on every decision. */
    static String money(double amount) {
        if (amount <= 0 || !Double.isFinite(amount)) {
            return amount == 0 ? "0" : String.valueOf(amount);
        }
        int exponent = (int) Math.floor(Math.log10(amount));
        long digits = Math.round(amount / Math.pow(10, exponent - 2));
        if (digits >= 1000) {
            digits /= 10;
            exponent++;
        }
        int decimals = 2 - exponent;
        String d = Long.toString(digits);
        String text;
        if (decimals <= 0) {
            text = d + "0".repeat(-decimals);
        } else if (d.length() > decimals) {
            text = d.substring(0, d.length() - decimals) + "." + d.substring(d.length() - decimals);
        } else {
            text = "0." + "0".repeat(decimals - d.length()) + d;
        }
        if (text.indexOf('.') >= 0) {
            int end = text.length();
            while (text.charAt(end - 1) == '0') {
                end--;
            }
            if (text.charAt(end - 1) == '.') {
                end--;
            }
            text = text.substring(0, end);
        }
        return text;
    }
}
