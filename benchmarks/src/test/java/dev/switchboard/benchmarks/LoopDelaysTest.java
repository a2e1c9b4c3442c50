package dev.switchboard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The overload report's sidecar-side wait, read from the loop-delay histogram of a sidecar's Prometheus text. */
class LoopDelaysTest {
    private static String text(long... counts) {
        String[] le = {"0.00025", "0.0005", "0.001", "0.002", "0.005", "+Inf"};
        StringBuilder sb = new StringBuilder("# TYPE switchboard_event_loop_delay_seconds histogram\n");
        for (int i = 0; i < le.length; i++) {
            sb.append("switchboard_event_loop_delay_seconds_bucket{le=\"").append(le[i]).append("\"} ")
                    .append(counts[i]).append('\n');
        }
        return sb.append("switchboard_event_loop_delay_seconds_count ").append(counts[le.length - 1]).append('\n')
                .toString();
    }

    @Test
    void thePercentilesBucketBoundBetweenTwoReadings() {
        LoopDelays before = LoopDelays.parse(text(100, 100, 100, 100, 100, 100));
        // 1,000 probes since: 900 under 0.25 ms, 980 under 1 ms, 995 under 2 ms, all under 5 ms.
        LoopDelays after = LoopDelays.parse(text(1000, 1050, 1080, 1095, 1100, 1100));
        assertThat(LoopDelays.between(before, after, 50)).isEqualTo("≤ 0.25 (1,000 probes)");
        assertThat(LoopDelays.between(before, after, 98)).isEqualTo("≤ 1 (1,000 probes)");
        assertThat(LoopDelays.between(before, after, 99)).isEqualTo("≤ 2 (1,000 probes)");
        assertThat(LoopDelays.between(before, after, 99.9)).isEqualTo("≤ 5 (1,000 probes)");
        // Past the last bound.
        LoopDelays late = LoopDelays.parse(text(1000, 1000, 1000, 1000, 1000, 1100));
        assertThat(LoopDelays.between(before, late, 99)).isEqualTo("> 5 (1,000 probes)");
        assertThat(LoopDelays.between(before, before, 99)).isEqualTo("no probes");
        assertThat(LoopDelays.between(null, after, 99)).isEqualTo("not read");
    }
}
