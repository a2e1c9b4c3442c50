package dev.switchboard.core.internal.stats;

import java.time.Clock;
import java.util.Arrays;
import java.util.OptionalDouble;

/**
 * The most recent samples of one measure, at most {@code capacity} of them and none older than the window: old
 * behaviour stops counting as the backend changes. Percentiles are computed on demand from a sorted copy, which
 * is kept until a sixteenth of the window is new, or new samples came in and 50 ms have passed since it was made: under load every
 * request records a sample and every routing decision reads a percentile, and sorting the window for each would
 * cost more than the rest of the decision. Thread-safe.
 */
final class SampleWindow {
    private final Clock clock;
    private final long windowMillis;
    private final double[] values;
    private final long[] times;
    private int next;
    private int size;
    private double[] sortedCache;
    private long cacheTime = Long.MIN_VALUE;
    /** Samples recorded since {@link #sortedCache} was made. */
    private int recordedSinceSort;

    SampleWindow(Clock clock, long windowMillis, int capacity) {
        this.clock = clock;
        this.windowMillis = windowMillis;
        this.values = new double[capacity];
        this.times = new long[capacity];
    }

    synchronized void record(double value) {
        values[next] = value;
        times[next] = clock.millis();
        next = (next + 1) % values.length;
        size = Math.min(size + 1, values.length);
        recordedSinceSort++;
    }

    /** The p-th percentile (0..100) of the samples inside the window, or empty when there are none. */
    synchronized OptionalDouble percentile(double p) {
        double[] sorted = sorted();
        if (sorted.length == 0) {
            return OptionalDouble.empty();
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return OptionalDouble.of(sorted[Math.max(0, Math.min(sorted.length - 1, index))]);
    }

    /** The mean of the samples inside the window, or 0 when there are none. */
    synchronized double mean() {
        long now = clock.millis();
        double sum = 0;
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (now - times[i] <= windowMillis) {
                sum += values[i];
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }

    synchronized int count() {
        return sorted().length;
    }

    private double[] sorted() {
        long now = clock.millis();
        // Recompute when enough samples came in, or when time may have pushed samples out of the window.
        if (sortedCache != null && now - cacheTime < 1_000 && (recordedSinceSort == 0
                || recordedSinceSort < Math.max(1, sortedCache.length / 16) && now - cacheTime < 50)) {
            return sortedCache;
        }
        double[] live = new double[size];
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (now - times[i] <= windowMillis) {
                live[n++] = values[i];
            }
        }
        double[] sorted = Arrays.copyOf(live, n);
        Arrays.sort(sorted);
        sortedCache = sorted;
        cacheTime = now;
        recordedSinceSort = 0;
        return sorted;
    }
}
