package dev.switchboard.core.config;

import java.util.List;
import java.util.Objects;

/**
 * A route: what a client names in {@code model}, and the ordered rules that pick backends for it.
 *
 * @param name    the alias clients send as {@code model}
 * @param aliases further names clients may use for the same route
 * @param rules   tried top to bottom; the first whose condition holds decides
 * @param expectedOutputTokens output assumed for cost and latency estimates when a request sets no
 *                             {@code max_tokens}
 * @param cache   this route's cache settings
 */
public record RouteSpec(String name, List<String> aliases, List<RuleSpec> rules, int expectedOutputTokens,
        CacheSpec.RouteCache cache) {
    public RouteSpec {
        Objects.requireNonNull(name, "name");
        aliases = List.copyOf(aliases);
        rules = List.copyOf(rules);
    }
}
