package dev.switchboard.benchmarks;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A sidecar's {@code switchboard_event_loop_delay_seconds} histogram (cumulative counts by upper bound, in seconds),
 * so an overload report can give the sidecar's own share of a shed answer's time: how long requests waited in their
 * sockets before its loop read them, which the client's timing includes with its own lags and the kernel's.
 */
record LoopDelays(Map<Double, Long> cumulative) {
    private static final Pattern BUCKET = Pattern.compile(
            "(?m)^switchboard_event_loop_delay_seconds_bucket\\{[^}]*le=\"([^\"]*)\"[^}]*\\} (\\S+)$");

    static LoopDelays parse(String metrics) {
        Map<Double, Long> by = new TreeMap<>();
        Matcher m = BUCKET.matcher(metrics);
        while (m.find()) {
            double le = m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
            by.merge(le, (long) Double.parseDouble(m.group(2)), Long::sum);
        }
        return new LoopDelays(Map.copyOf(by));
    }

    static LoopDelays read(int adminPort) {
        String metrics = ShedScopes.metrics(adminPort);
        return metrics == null ? null : parse(metrics);
    }

    /**
     * The bucket bound under which {@code percentile} of the probes between two readings ran, in ms ("≤ 2", "> 1000"
     * past the last bound), with how many probes; or why there is none.
     */
    static String between(LoopDelays before, LoopDelays after, double percentile) {
        if (before == null || after == null || after.cumulative.isEmpty()) {
            return "not read";
        }
        Map<Double, Long> since = new TreeMap<>();
        after.cumulative.forEach((le, n) -> since.put(le, n - before.cumulative.getOrDefault(le, 0L)));
        long total = since.getOrDefault(Double.POSITIVE_INFINITY, 0L);
        if (total == 0) {
            return "no probes";
        }
        double bound = Double.NaN;
        double last = 0;
        for (Map.Entry<Double, Long> e : since.entrySet()) {
            if (e.getValue() >= Math.ceil(total * percentile / 100)) {
                bound = e.getKey();
                break;
            }
            last = e.getKey();
        }
        String at = Double.isInfinite(bound) ? String.format(Locale.ROOT, "> %s", ms(last))
                : String.format(Locale.ROOT, "≤ %s", ms(bound));
        return String.format(Locale.ROOT, "%s (%,d probes)", at, total);
    }

    private static String ms(double seconds) {
        double ms = seconds * 1000;
        return ms == Math.rint(ms) ? String.valueOf((long) ms) : String.valueOf(ms);
    }
}
