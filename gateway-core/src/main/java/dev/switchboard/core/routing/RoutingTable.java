package dev.switchboard.core.routing;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.core.config.RouteSpec;
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

    private record CompiledRoute(String name, List<Rule> rules) {
    }

    private RoutingTable(Map<String, CompiledRoute> byAlias, List<String> aliases) {
        this.byAlias = Map.copyOf(byAlias);
        this.aliases = List.copyOf(aliases);
    }

    public static RoutingTable compile(GatewaySpec spec) {
        Map<String, CompiledRoute> byAlias = new HashMap<>();
        List<String> aliases = new ArrayList<>();
        for (RouteSpec route : spec.routes()) {
            List<Rule> rules = new ArrayList<>();
            for (int i = 0; i < route.rules().size(); i++) {
                rules.add(new Rule(i, route.rules().get(i)));
            }
            CompiledRoute compiled = new CompiledRoute(route.name(), List.copyOf(rules));
            byAlias.put(route.name(), compiled);
            aliases.add(route.name());
            for (String alias : route.aliases()) {
                byAlias.put(alias, compiled);
                aliases.add(alias);
            }
        }
        return new RoutingTable(byAlias, aliases);
    }

    /** Every model name clients may send, routes first then their aliases. */
    public List<String> modelNames() {
        return aliases;
    }

    public boolean knows(String model) {
        return byAlias.containsKey(model);
    }

    /**
     * Decides where a request goes: the first rule whose condition holds orders its candidates.
     *
     * @throws GatewayException 404 for an unknown model, 400 when no rule matches
     */
    public RoutingDecision decide(RoutingInput in, RandomGenerator random) {
        CompiledRoute route = byAlias.get(in.request().model());
        if (route == null) {
            throw new GatewayException(ErrorKind.MODEL_NOT_FOUND, "The model '" + in.request().model()
                    + "' does not exist; available: " + String.join(", ", aliases));
        }
        List<RuleTrace> traces = new ArrayList<>();
        for (Rule rule : route.rules()) {
            boolean matched = rule.condition().test(in);
            traces.add(new RuleTrace(rule.index(), rule.condition().describe(), matched));
            if (matched) {
                List<CandidateTrace> order = rule.order(random);
                return new RoutingDecision(dev.switchboard.core.RandomIds.next("dec_"), route.name(), rule.index(), rule.reason(),
                        rule.strategy(), order.stream().map(CandidateTrace::backend).toList(), traces, order);
            }
        }
        throw new GatewayException(ErrorKind.NO_MATCHING_RULE, "no rule of route '" + route.name()
                + "' matches this request (add a last rule without 'when' as a catch-all)");
    }
}
