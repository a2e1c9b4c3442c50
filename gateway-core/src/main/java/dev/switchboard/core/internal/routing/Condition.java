package dev.switchboard.core.internal.routing;

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
            List<Map.Entry<String, List<String>>> entries = List.copyOf(expected.entrySet());
            return of(in -> {
                for (Map.Entry<String, List<String>> e : entries) {
                    if (!e.getValue().contains(in.header(e.getKey()))) {
                        return false;
                    }
                }
                return true;
            }, text);
        }
        if (spec instanceof ConditionSpec.Tenant t) {
            return of(in -> t.tenants().contains(in.tenant()), "tenant in " + t.tenants());
        }
        if (spec instanceof ConditionSpec.Model m) {
            return of(in -> m.models().contains(in.request().model()), "model in " + m.models());
        }
        if (spec instanceof ConditionSpec.PromptTokens p) {
            // The count is the dearest thing a condition can ask for: a prompt whose every possible count (at most
            // one token per byte) falls on the same side of the bounds is decided without it.
            return of(in -> p.bounds().testRange(in.request().promptTokensAtLeast(), in.request().promptTokensAtMost())
                    .orElseGet(() -> p.bounds().test(in.request().promptTokens())), "prompt-tokens " + p.bounds());
        }
        if (spec instanceof ConditionSpec.MaxTokens m) {
            return of(in -> in.request().maxTokens().isPresent()
                    && m.bounds().test(in.request().maxTokens().getAsInt()), "max-tokens " + m.bounds());
        }
        if (spec instanceof ConditionSpec.SensitiveData sd) {
            if (!sd.kinds().isEmpty()) {
                return of(in -> sd.kinds().stream().anyMatch(k -> in.sensitive().kinds().contains(k)
                        || in.sensitive().kinds().contains(dev.switchboard.core.compliance.Assessment.DETECTOR_ERROR)),
                        "sensitive data of kind " + sd.kinds());
            }
            return of(in -> in.sensitive().sensitive() == sd.expected(),
                    sd.expected() ? "sensitive data" : "no sensitive data");
        }
        if (spec instanceof ConditionSpec.HasTools t) {
            return of(in -> in.request().hasTools() == t.expected(), t.expected() ? "has tools" : "has no tools");
        }
        if (spec instanceof ConditionSpec.HasImages i) {
            return of(in -> in.request().hasImages() == i.expected(), i.expected() ? "has images" : "has no images");
        }
        if (spec instanceof ConditionSpec.Metadata md) {
            Map<String, List<String>> expected = md.expected();
            String text = expected.entrySet().stream()
                    .map(e -> "metadata " + e.getKey() + " in " + e.getValue()).collect(Collectors.joining(" and "));
            List<Map.Entry<String, List<String>>> entries = List.copyOf(expected.entrySet());
            return of(in -> {
                for (Map.Entry<String, List<String>> e : entries) {
                    String value = in.request().metadata().get(e.getKey());
                    if (value == null && e.getKey().equals("user")) {
                        value = in.request().user();
                    }
                    if (value == null || !e.getValue().contains(value)) {
                        return false;
                    }
                }
                return true;
            }, text);
        }
        if (spec instanceof ConditionSpec.TimeWindow w) {
            String text = "time " + w.from() + "-" + w.to() + " " + w.zone()
                    + (w.days().size() == 7 ? "" : " on " + w.days().stream().sorted()
                            .map(d -> d.name().substring(0, 3).toLowerCase(java.util.Locale.ROOT)).toList());
            return of(in -> {
                java.time.ZonedDateTime t = in.now().atZone(w.zone());
                java.time.LocalTime time = t.toLocalTime();
                boolean overMidnight = w.to().isBefore(w.from());
                boolean inWindow = overMidnight ? !time.isBefore(w.from()) || time.isBefore(w.to())
                        : !time.isBefore(w.from()) && time.isBefore(w.to());
                // Past midnight the window belongs to the day it started on.
                java.time.DayOfWeek day = overMidnight && time.isBefore(w.to()) ? t.getDayOfWeek().minus(1)
                        : t.getDayOfWeek();
                return inWindow && w.days().contains(day);
            }, text);
        }
        if (spec instanceof ConditionSpec.All a) {
            List<Condition> parts = a.parts().stream().map(Condition::compile).toList();
            return of(in -> {
                for (Condition c : parts) {
                    if (!c.test(in)) {
                        return false;
                    }
                }
                return true;
            },
                    parts.stream().map(Condition::describe).collect(Collectors.joining(" and ", "(", ")")));
        }
        if (spec instanceof ConditionSpec.Any a) {
            List<Condition> parts = a.parts().stream().map(Condition::compile).toList();
            return of(in -> {
                for (Condition c : parts) {
                    if (c.test(in)) {
                        return true;
                    }
                }
                return false;
            },
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
