package dev.switchboard.core.routing;

/**
 * Why one backend of the chosen rule stands where it does in the decision.
 *
 * @param backend  backend name
 * @param position 0 for the first choice, then fallbacks in order; -1 when excluded
 * @param reason   in words, e.g. {@code "priority 1 of 2"} or {@code "weighted pick (weight 3 of 4)"}
 */
public record CandidateTrace(String backend, int position, String reason) {
}
