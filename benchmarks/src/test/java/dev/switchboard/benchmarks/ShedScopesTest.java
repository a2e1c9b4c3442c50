package dev.switchboard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The overload report's split of sheds by scope, read from a sidecar's Prometheus text. */
class ShedScopesTest {
    private static final String BEFORE = """
            # HELP switchboard_requests_shed_total Requests shed
            # TYPE switchboard_requests_shed_total counter
            switchboard_requests_shed_total{scope="bench-backend"} 0.0
            switchboard_requests_shed_total{scope="edge"} 11040.0
            switchboard_requests_shed_total{scope="gateway"} 7555.0
            switchboard_requests_shed_totally_other{scope="edge"} 99.0
            """;
    private static final String AFTER = """
            switchboard_requests_shed_total{scope="bench-backend"} 3.0
            switchboard_requests_shed_total{scope="edge"} 12295.0
            switchboard_requests_shed_total{scope="gateway"} 10394.0
            """;

    @Test
    void shedsAreCountedByScopeBetweenTwoReadings() {
        ShedScopes before = ShedScopes.parse(BEFORE);
        assertThat(before.byScope()).containsEntry("edge", 11040L).containsEntry("gateway", 7555L).hasSize(3);
        assertThat(ShedScopes.between(before, ShedScopes.parse(AFTER)))
                .isEqualTo("edge 1,255, the limit 2,839, backend bench-backend's limit 3");
        assertThat(ShedScopes.between(before, before)).isEqualTo("edge 0, the limit 0");
        assertThat(ShedScopes.between(null, before)).isEqualTo("not read (no admin port)");
    }
}
