package dev.switchboard.core.routing;

import dev.switchboard.core.config.ConditionSpec;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** A compiled rule condition: a test on the request, and a description for decision traces. */
interface Condition {
    boolean test(RoutingInput in);

    String describe();

    static Condition compile(ConditionSpec spec) {
        if (spec instanceof ConditionSpec.Always) {
            return new Condition() {
                public boolean test(RoutingInput in) {
                    return true;
                }

                public String describe() {
                    return "always";
                }
            };
        }
        if (spec instanceof ConditionSpec.Headers h) {
            Map<String, List<String>> expected = h.expected();
            String text = expected.entrySet().stream()
                    .map(e -> "header " + e.getKey() + " in " + e.getValue()).collect(Collectors.joining(" and "));
            return of(in -> expected.entrySet().stream()
                    .allMatch(e -> e.getValue().contains(in.header(e.getKey()))), text);
        }
        if (spec instanceof ConditionSpec.Tenant t) {
            return of(in -> t.tenants().contains(in.tenant()), "tenant in " + t.tenants());
        }
        if (spec instanceof ConditionSpec.Model m) {
            return of(in -> m.models().contains(in.request().model()), "model in " + m.models());
        }
        if (spec instanceof ConditionSpec.PromptTokens p) {
            StringBuilder text = new StringBuilder("prompt-tokens");
            if (p.gt() != null) {
                text.append(" > ").append(p.gt());
            }
            if (p.gte() != null) {
                text.append(" >= ").append(p.gte());
            }
            if (p.lt() != null) {
                text.append(" < ").append(p.lt());
            }
            if (p.lte() != null) {
                text.append(" <= ").append(p.lte());
            }
            return of(in -> {
                long n = in.request().promptTokens();
                return (p.gt() == null || n > p.gt()) && (p.gte() == null || n >= p.gte())
                        && (p.lt() == null || n < p.lt()) && (p.lte() == null || n <= p.lte());
            }, text.toString());
        }
        if (spec instanceof ConditionSpec.All a) {
            List<Condition> parts = a.parts().stream().map(Condition::compile).toList();
            return of(in -> parts.stream().allMatch(c -> c.test(in)),
                    parts.stream().map(Condition::describe).collect(Collectors.joining(" and ", "(", ")")));
        }
        if (spec instanceof ConditionSpec.Any a) {
            List<Condition> parts = a.parts().stream().map(Condition::compile).toList();
            return of(in -> parts.stream().anyMatch(c -> c.test(in)),
                    parts.stream().map(Condition::describe).collect(Collectors.joining(" or ", "(", ")")));
        }
        ConditionSpec.Not n = (ConditionSpec.Not) spec;
        Condition part = compile(n.part());
        return of(in -> !part.test(in), "not " + part.describe());
    }

    private static Condition of(java.util.function.Predicate<RoutingInput> test, String description) {
        return new Condition() {
            public boolean test(RoutingInput in) {
                return test.test(in);
            }

            public String describe() {
                return description;
            }
        };
    }
}
