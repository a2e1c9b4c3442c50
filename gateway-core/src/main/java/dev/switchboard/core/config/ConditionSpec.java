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

    /** Numeric bounds, each optional: {@code gt}, {@code gte}, {@code lt}, {@code lte}. */
    record Bounds(Long gt, Long gte, Long lt, Long lte) {
        public boolean test(long n) {
            return (gt == null || n > gt) && (gte == null || n >= gte) && (lt == null || n < lt)
                    && (lte == null || n <= lte);
        }

        /**
         * What the bounds say of every number in {@code [lo, hi]}: true when all of them pass, false when none does,
         * empty when it depends on which. The bounds are one interval, so its ends decide.
         */
        public java.util.Optional<Boolean> testRange(long lo, long hi) {
            if (test(lo) && test(hi)) {
                return java.util.Optional.of(true);
            }
            long from = Math.max(gt == null ? Long.MIN_VALUE : gt + 1, gte == null ? Long.MIN_VALUE : gte);
            long to = Math.min(lt == null ? Long.MAX_VALUE : lt - 1, lte == null ? Long.MAX_VALUE : lte);
            if (hi < from || lo > to || from > to) {
                return java.util.Optional.of(false);
            }
            return java.util.Optional.empty();
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            if (gt != null) {
                sb.append(" > ").append(gt);
            }
            if (gte != null) {
                sb.append(" >= ").append(gte);
            }
            if (lt != null) {
                sb.append(" < ").append(lt);
            }
            if (lte != null) {
                sb.append(" <= ").append(lte);
            }
            return sb.toString().trim();
        }
    }

    /** Estimated prompt tokens within bounds. */
    record PromptTokens(Bounds bounds) implements ConditionSpec {
    }

    /** The request's {@code max_tokens} (or {@code max_completion_tokens}) within bounds; absent never matches. */
    record MaxTokens(Bounds bounds) implements ConditionSpec {
    }

    /**
     * Whether the request holds customer data: any kind ({@code sensitive-data: true}), none ({@code false}), or one
     * of the listed kinds.
     */
    record SensitiveData(boolean expected, List<String> kinds) implements ConditionSpec {
        public SensitiveData {
            kinds = List.copyOf(kinds);
        }
    }

    /** Whether the request offers tools (functions). */
    record HasTools(boolean expected) implements ConditionSpec {
    }

    /** Whether the request holds images. */
    record HasImages(boolean expected) implements ConditionSpec {
    }

    /**
     * Each key of the request's OpenAI {@code metadata} object has one of the values; the key {@code user}
     * also matches the request's top-level {@code user} field.
     */
    record Metadata(Map<String, List<String>> expected) implements ConditionSpec {
        public Metadata {
            expected = Map.copyOf(expected);
        }
    }

    /**
     * The wall-clock time falls in a daily window, in a time zone, on some days of the week. A window whose end is
     * before its start runs over midnight.
     */
    record TimeWindow(java.time.LocalTime from, java.time.LocalTime to, java.time.ZoneId zone,
            java.util.Set<java.time.DayOfWeek> days) implements ConditionSpec {
        public TimeWindow {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(zone, "zone");
            days = java.util.Set.copyOf(days);
        }
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
