package dev.switchboard.core.routing;

/**
 * How one rule fared for a request: whether its condition held.
 *
 * @param index     position in the route's rules
 * @param condition the condition in words
 * @param matched   whether it held (the first that holds decides)
 */
public record RuleTrace(int index, String condition, boolean matched) {
}
