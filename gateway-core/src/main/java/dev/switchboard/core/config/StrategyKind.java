package dev.switchboard.core.config;

/** How a rule orders its candidate backends. */
public enum StrategyKind {
    /** In the order written; the later ones are fallbacks. */
    PRIORITY,
    /** One picked at random in proportion to its weight; the others, heaviest first, are fallbacks. */
    WEIGHTED
}
