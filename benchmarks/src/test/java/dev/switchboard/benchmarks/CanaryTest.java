package dev.switchboard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The overload benchmark's canary, as the benchmark runs it: its own process (at a raised priority where the user may
 * raise it), a round per command, one result line each, against the testkit's model on a real port.
 */
class CanaryTest {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @Test
    void eachRoundIsRunOnCommandAndCountsAnswersAndSheds() throws Exception {
        try (MockModelServer model = MockModelServer.start(MockModelOptions.builder().model("bench").build());
             Canary canary = Canary.start(JAVA, List.of(), URI.create(model.baseUrl()).getPort(), 100, 20, false)) {
            canary.begin(Duration.ofMillis(500));
            Canary.Result first = canary.result();
            assertThat(first.completed()).isEqualTo(50);
            assertThat(first.shed()).isZero();
            assertThat(first.otherErrors()).isZero();
            assertThat(first.admittedP99()).isPositive().isGreaterThanOrEqualTo(first.admittedP50());
            canary.begin(Duration.ofMillis(300));
            assertThat(canary.result().completed()).isEqualTo(30);
            assertThat(model.requests("/v1/chat/completions")).hasSize(80);
            // Its connections are kept across rounds: a new connection per round would make the server's JIT recompile
            // its read path as each measured round starts.
            assertThat(model.acceptedConnections()).isLessThanOrEqualTo(Canary.CONNECTIONS);
        }
    }

    @Test
    void a503IsCountedAsShedWithItsOwnLatency() throws Exception {
        try (MockModelServer model = MockModelServer.start(MockModelOptions.builder().model("bench")
                .forcedStatus(503).build());
             Canary canary = Canary.start(JAVA, List.of(), URI.create(model.baseUrl()).getPort(), 100, 20, true)) {
            canary.begin(Duration.ofMillis(200));
            Canary.Result r = canary.result();
            assertThat(r.completed()).isZero();
            assertThat(r.shed()).isEqualTo(20);
            assertThat(r.otherErrors()).isZero();
            assertThat(r.shedP99()).isPositive();
        }
    }

    @Test
    void aResultLineReadsBackAsWritten() {
        Canary.Result r = new Canary.Result(1699, 301, 2, 1.75, 8.16, 2.53, 9.61, 0.94);
        assertThat(Canary.Result.parse(r.line())).isEqualTo(r);
    }
}
