package dev.switchboard.core.config;

import java.time.Duration;

/**
 * A rule's latency objective for {@code cheapest-within-slo}; either bound may be absent.
 *
 * @param firstTokenP95 predicted 95th-percentile time to the first token must not exceed this
 * @param totalP95      predicted time for the whole answer must not exceed this
 */
public record SloSpec(Duration firstTokenP95, Duration totalP95) {
    public static final SloSpec NONE = new SloSpec(null, null);

    public boolean isEmpty() {
        return firstTokenP95 == null && totalP95 == null;
    }
}
