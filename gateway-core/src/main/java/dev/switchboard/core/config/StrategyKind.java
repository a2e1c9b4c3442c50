package dev.switchboard.core.config;

/** How a rule orders its candidate backends. */
public enum StrategyKind {
    /** In the order written; the later ones are fallbacks. */
    PRIORITY,
    /** One picked at random in proportion to its weight; the others, heaviest first, are fallbacks. */
    WEIGHTED,
    /** Lowest estimated cost of this request first. */
    CHEAPEST,
    /** Lowest predicted total time first. */
    FASTEST,
    /**
     * Lowest estimated cost among the backends predicted to meet the rule's SLO; when none is predicted to, the
     * fastest first.
     */
    CHEAPEST_WITHIN_SLO
}
