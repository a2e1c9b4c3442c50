package dev.switchboard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The overload report's split of a client's timing, read from histograms of a sidecar's Prometheus text. */
class HistogramReadingTest {
    private static String text(long... counts) {
        String[] le = {"0.00025", "0.0005", "0.001", "0.002", "0.005", "+Inf"};
        StringBuilder sb = new StringBuilder("# TYPE switchboard_event_loop_delay_seconds histogram\n");
        for (int i = 0; i < le.length; i++) {
            sb.append("switchboard_event_loop_delay_seconds_bucket{le=\"").append(le[i]).append("\"} ")
                    .append(counts[i]).append('\n');
        }
        return sb.append("switchboard_event_loop_delay_seconds_count ").append(counts[le.length - 1]).append('\n')
                .toString()
                // Another histogram, and another label set of this one (summed), in the same text.
                + "gen_ai_server_time_to_first_token_seconds_bucket{backend=\"b\",le=\"0.001\"} 7\n";
    }

    @Test
    void thePercentilesBucketBoundBetweenTwoReadings() {
        HistogramReading before = HistogramReading.parse(text(100, 100, 100, 100, 100, 100), HistogramReading.LOOP_DELAY);
        // 1,000 probes since: 900 under 0.25 ms, 980 under 1 ms, 995 under 2 ms, all under 5 ms.
        HistogramReading after = HistogramReading.parse(text(1000, 1050, 1080, 1095, 1100, 1100), HistogramReading.LOOP_DELAY);
        assertThat(HistogramReading.between(before, after, 50)).isEqualTo("≤ 0.25 (1,000 samples)");
        assertThat(HistogramReading.between(before, after, 98)).isEqualTo("≤ 1 (1,000 samples)");
        assertThat(HistogramReading.between(before, after, 99)).isEqualTo("≤ 2 (1,000 samples)");
        assertThat(HistogramReading.between(before, after, 99.9)).isEqualTo("≤ 5 (1,000 samples)");
        // Past the last bound.
        HistogramReading late = HistogramReading.parse(text(1000, 1000, 1000, 1000, 1000, 1100), HistogramReading.LOOP_DELAY);
        assertThat(HistogramReading.between(before, late, 99)).isEqualTo("> 5 (1,000 samples)");
        assertThat(HistogramReading.between(before, before, 99)).isEqualTo("no samples");
        assertThat(HistogramReading.between(null, after, 99)).isEqualTo("not read");
        // A histogram the sidecar has not made (no call streamed upstream, say): nothing sampled.
        HistogramReading absent = HistogramReading.parse("", HistogramReading.BACKEND_FIRST_TOKEN);
        assertThat(HistogramReading.between(absent, absent, 99)).isEqualTo("no samples");
    }

    @Test
    void theLabelSetsOfOneHistogramAreSummedAndOtherHistogramsIgnored() {
        String text = """
                gen_ai_server_time_to_first_token_seconds_bucket{backend="a",route="r",rule="0",le="0.001"} 10
                gen_ai_server_time_to_first_token_seconds_bucket{backend="a",route="r",rule="0",le="0.002"} 90
                gen_ai_server_time_to_first_token_seconds_bucket{backend="a",route="r",rule="0",le="+Inf"} 100
                gen_ai_server_time_to_first_token_seconds_bucket{backend="b",route="r",rule="1",le="0.001"} 0
                gen_ai_server_time_to_first_token_seconds_bucket{backend="b",route="r",rule="1",le="0.002"} 0
                gen_ai_server_time_to_first_token_seconds_bucket{backend="b",route="r",rule="1",le="+Inf"} 100
                switchboard_event_loop_delay_seconds_bucket{le="0.001"} 5000
                switchboard_event_loop_delay_seconds_bucket{le="+Inf"} 5000
                """;
        HistogramReading none = HistogramReading.parse("", HistogramReading.BACKEND_FIRST_TOKEN);
        HistogramReading both = HistogramReading.parse(text, HistogramReading.BACKEND_FIRST_TOKEN);
        assertThat(both.cumulative()).containsEntry(0.001, 10L).containsEntry(0.002, 90L)
                .containsEntry(Double.POSITIVE_INFINITY, 200L).hasSize(3);
        assertThat(HistogramReading.between(none, both, 40)).isEqualTo("≤ 2 (200 samples)");
        assertThat(HistogramReading.between(none, both, 50)).isEqualTo("> 2 (200 samples)");
    }
}
