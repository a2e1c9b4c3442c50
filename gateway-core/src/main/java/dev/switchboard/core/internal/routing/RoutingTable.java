package dev.switchboard.core.internal.routing;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.config.BudgetSpec;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.core.config.RouteSpec;
import dev.switchboard.core.internal.compliance.CompliancePolicy;
import dev.switchboard.core.routing.CandidateTrace;
import dev.switchboard.core.routing.NoCandidateException;
import dev.switchboard.core.routing.RoutingDecision;
import dev.switchboard.core.routing.RuleTrace;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The compiled, immutable form of a config's routes: a map from every model alias to its rules. A reload builds a
 * new table and swaps it in whole, so a request sees one table from start to end.
 */
public final class RoutingTable {
    private final Map<String, CompiledRoute> byAlias;
    private final List<String> aliases;
    private final Map<String, BackendSpec> backends;
    private final CompliancePolicy compliance;

    private record CompiledRoute(String name, List<Rule> rules, int expectedOutputTokens) {
    }

    private RoutingTable(Map<String, CompiledRoute> byAlias, List<String> aliases, Map<String, BackendSpec> backends,
            CompliancePolicy compliance) {
        this.compliance = compliance;
        this.byAlias = Map.copyOf(byAlias);
        this.aliases = List.copyOf(aliases);
        this.backends = Map.copyOf(backends);
    }

    /** The table of a config, under its own compliance policy. */
    public static RoutingTable compile(GatewaySpec spec) {
        return compile(spec, new CompliancePolicy(spec.compliance()));
    }

    /** The table of a config; {@code compliance} says which backends a verdict admits as candidates. */
    public static RoutingTable compile(GatewaySpec spec, CompliancePolicy compliance) {
        Map<String, CompiledRoute> byAlias = new HashMap<>();
        List<String> aliases = new ArrayList<>();
        for (RouteSpec route : spec.routes()) {
            List<Rule> rules = new ArrayList<>();
            for (int i = 0; i < route.rules().size(); i++) {
                rules.add(new Rule(i, route.rules().get(i)));
            }
            CompiledRoute compiled = new CompiledRoute(route.name(), List.copyOf(rules), route.expectedOutputTokens());
            byAlias.put(route.name(), compiled);
            aliases.add(route.name());
            for (String alias : route.aliases()) {
                byAlias.put(alias, compiled);
                aliases.add(alias);
            }
        }
        Map<String, BackendSpec> backends = new HashMap<>();
        spec.backends().forEach(b -> backends.put(b.name(), b));
        return new RoutingTable(byAlias, aliases, backends, compliance);
    }

    /** Each route's rules' conditions, in words (as decision traces give them), by route name. */
    public Map<String, List<String>> conditions() {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        for (String alias : aliases) {
            CompiledRoute r = byAlias.get(alias);
            out.computeIfAbsent(r.name(), k -> r.rules().stream().map(rule -> rule.condition().describe()).toList());
        }
        return out;
    }

    /** Every model name clients may send, routes first then their aliases. */
    public List<String> modelNames() {
        return aliases;
    }

    public boolean knows(String model) {
        return byAlias.containsKey(model);
    }

    /** The route name a model name selects, or null. */
    public String routeOf(String model) {
        CompiledRoute r = byAlias.get(model);
        return r == null ? null : r.name();
    }

    /** Decides on config alone (no statistics, no budgets). */
    public RoutingDecision decide(RoutingInput in, RandomGenerator random) {
        return decide(in, random, LiveSignals.NONE);
    }

    /**
     * Decides where a request goes: the first rule whose condition holds; its strategy orders the candidates over
     * their estimated cost and predicted latency; those that cannot take the call now are excluded.
     *
     * @throws GatewayException 404 for an unknown model, 400 when no rule matches, 429 when the tenant's budget is
     *                          exhausted and its policy is to reject, 503 when every candidate is excluded
     */
    public RoutingDecision decide(RoutingInput in, RandomGenerator random, LiveSignals signals) {
        CompiledRoute route = byAlias.get(in.request().model());
        if (route == null) {
            // The client's name for it is quoted back as a record may hold it: customer data in it never is.
            String named = compliance.recordable(in.request().model());
            throw new GatewayException(ErrorKind.MODEL_NOT_FOUND, "The model '" + named
                    + "' does not exist; available: " + String.join(", ", aliases));
        }
        if (signals.exhaustedBudget(in.tenant()).orElse(null) == BudgetSpec.WhenExhausted.REJECT) {
            throw new GatewayException(ErrorKind.BUDGET_EXHAUSTED, "tenant '" + in.tenant()
                    + "' has used its budget for this period; requests are refused until it renews");
        }
        List<RuleTrace> traces = new ArrayList<>();
        for (Rule rule : route.rules()) {
            boolean matched = rule.condition().test(in);
            traces.add(new RuleTrace(rule.index(), rule.condition().describe(), matched));
            if (matched) {
                // Counted on first use only (a priced backend's estimate, a quota, a budget, a reader of the
                // decision); the view remembers the count.
                java.util.function.IntSupplier promptTokens = RoutingDecision.onDemand(in.request()::promptTokens);
                int expectedOutput = in.request().maxTokens().isPresent() ? in.request().maxTokens().getAsInt()
                        : route.expectedOutputTokens();
                // The compliance policy says which backends the request's verdict admits as candidates at all.
                List<CandidateTrace> order = CandidateRanker.rank(rule, backends, in, promptTokens, expectedOutput,
                        signals, random, residency -> compliance.admits(in.verdict(), residency));
                List<String> candidates = candidates(order);
                RoutingDecision decision = new RoutingDecision(dev.switchboard.core.internal.RandomIds.next("dec_"),
                        route.name(), rule.index(), rule.reason(), rule.strategy(), candidates, traces, order,
                        promptTokens, expectedOutput, rule.hedge());
                if (candidates.isEmpty()) {
                    throw new NoCandidateException(decision);
                }
                return decision;
            }
        }
        throw new GatewayException(ErrorKind.NO_MATCHING_RULE, "no rule of route '" + route.name()
                + "' matches this request (add a last rule without 'when' as a catch-all)");
    }


    /** The backends not excluded, in order (a loop: this runs for every request). */
    private static List<String> candidates(List<CandidateTrace> order) {
        if (order.size() == 1) {
            return order.get(0).excluded() ? List.of() : List.of(order.get(0).backend());
        }
        List<String> out = new ArrayList<>(order.size());
        for (CandidateTrace t : order) {
            if (!t.excluded()) {
                out.add(t.backend());
            }
        }
        return java.util.Collections.unmodifiableList(out);
    }
}
