package dev.switchboard.core.routing;

/**
 * Why one backend of the chosen rule stands where it does in the decision, with the figures behind it.
 *
 * @param backend                 backend name
 * @param position                0 for the first choice, then fallbacks in order; -1 when excluded
 * @param reason                  in words, e.g. {@code "cheapest within SLO"} or {@code "excluded: at capacity (64/64)"}
 * @param estimatedCost           expected cost of this request on this backend
 * @param currency                of the cost
 * @param predictedFirstTokenMillis 95th percentile, NaN when unknown
 * @param predictedTotalMillis    NaN when unknown
 * @param exclusion               why it was left out, as a type; null when it is a candidate
 */
public record CandidateTrace(String backend, int position, String reason, double estimatedCost, String currency,
        double predictedFirstTokenMillis, double predictedTotalMillis, Exclusion exclusion) {

    /** A candidate's trace (not excluded). */
    public CandidateTrace(String backend, int position, String reason, double estimatedCost, String currency,
            double predictedFirstTokenMillis, double predictedTotalMillis) {
        this(backend, position, reason, estimatedCost, currency, predictedFirstTokenMillis, predictedTotalMillis,
                null);
    }

    /** A trace without figures, for decisions on config alone. */
    public CandidateTrace(String backend, int position, String reason) {
        this(backend, position, reason, 0, "", Double.NaN, Double.NaN);
    }

    public boolean excluded() {
        return position < 0;
    }
}
