package dev.switchboard.core.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The {@code when:} of a rule, as written; every present condition must hold. */
public sealed interface ConditionSpec {

    /** Always true: a rule without {@code when}. */
    record Always() implements ConditionSpec {
    }

    /** Each header must be present with one of the listed values (names case-insensitive). */
    record Headers(Map<String, List<String>> expected) implements ConditionSpec {
        public Headers {
            expected = Map.copyOf(expected);
        }
    }

    /** The caller's tenant is one of these. */
    record Tenant(List<String> tenants) implements ConditionSpec {
        public Tenant {
            tenants = List.copyOf(tenants);
        }
    }

    /** The route alias the client asked for ({@code model}) is one of these. */
    record Model(List<String> models) implements ConditionSpec {
        public Model {
            models = List.copyOf(models);
        }
    }

    /** Estimated prompt tokens within bounds (each bound optional). */
    record PromptTokens(Long gt, Long gte, Long lt, Long lte) implements ConditionSpec {
    }

    /** Every part holds. */
    record All(List<ConditionSpec> parts) implements ConditionSpec {
        public All {
            parts = List.copyOf(parts);
        }
    }

    /** At least one part holds. */
    record Any(List<ConditionSpec> parts) implements ConditionSpec {
        public Any {
            parts = List.copyOf(parts);
        }
    }

    /** The part does not hold. */
    record Not(ConditionSpec part) implements ConditionSpec {
        public Not {
            Objects.requireNonNull(part, "part");
        }
    }
}
