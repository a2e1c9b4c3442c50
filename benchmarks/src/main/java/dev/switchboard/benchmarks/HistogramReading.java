package dev.switchboard.benchmarks;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One histogram of a sidecar's Prometheus text (cumulative counts by upper bound, in seconds, summed over its label
 * sets), so an overload report can split a client's timing: {@link #LOOP_DELAY}, how long requests waited in their
 * sockets before the sidecar's loop read them, and {@link #BACKEND_FIRST_TOKEN}, how long the model server (on the
 * load generator's core) took to its first token — neither of which the client can tell from its own lags.
 */
record HistogramReading(Map<Double, Long> cumulative) {
    static final String LOOP_DELAY = "switchboard_event_loop_delay_seconds";
    static final String BACKEND_FIRST_TOKEN = "gen_ai_server_time_to_first_token_seconds";

    static HistogramReading parse(String metrics, String name) {
        Pattern bucket = Pattern.compile("(?m)^" + Pattern.quote(name)
                + "_bucket\\{[^}]*le=\"([^\"]*)\"[^}]*\\} (\\S+)$");
        Map<Double, Long> by = new TreeMap<>();
        Matcher m = bucket.matcher(metrics);
        while (m.find()) {
            double le = m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
            by.merge(le, (long) Double.parseDouble(m.group(2)), Long::sum);
        }
        return new HistogramReading(Map.copyOf(by));
    }

    /**
     * The bucket bound under which {@code percentile} of the samples between two readings ran, in ms ("≤ 2", "> 1000"
     * past the last bound), with how many samples; or why there is none.
     */
    static String between(HistogramReading before, HistogramReading after, double percentile) {
        String bound = bound(before, after, percentile);
        long total = before == null || after == null ? 0
                : after.since(before).getOrDefault(Double.POSITIVE_INFINITY, 0L);
        return total == 0 ? bound : String.format(Locale.ROOT, "%s (%,d samples)", bound, total);
    }

    /** As {@link #between}, without the count of samples. */
    static String bound(HistogramReading before, HistogramReading after, double percentile) {
        if (before == null || after == null) {
            return "not read";
        }
        Map<Double, Long> since = after.since(before);
        long total = since.getOrDefault(Double.POSITIVE_INFINITY, 0L);
        if (total == 0) {
            return "no samples";
        }
        double last = 0;
        for (Map.Entry<Double, Long> e : since.entrySet()) {
            if (e.getValue() >= Math.ceil(total * percentile / 100)) {
                return Double.isInfinite(e.getKey()) ? "> " + ms(last) : "≤ " + ms(e.getKey());
            }
            last = e.getKey();
        }
        throw new AssertionError("the +Inf bucket holds every sample");
    }

    /** The cumulative counts added since {@code before}, by bound. */
    private Map<Double, Long> since(HistogramReading before) {
        Map<Double, Long> since = new TreeMap<>();
        cumulative.forEach((le, n) -> since.put(le, n - before.cumulative.getOrDefault(le, 0L)));
        return since;
    }

    private static String ms(double seconds) {
        double ms = seconds * 1000;
        return ms == Math.rint(ms) ? String.valueOf((long) ms) : String.format(Locale.ROOT, "%.2f", ms)
                .replaceFirst("0$", "");
    }
}
