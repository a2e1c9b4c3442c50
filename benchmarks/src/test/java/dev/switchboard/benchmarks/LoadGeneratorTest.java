package dev.switchboard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.benchmarks.load.LoadGenerator;
import dev.switchboard.benchmarks.load.LoadResult;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The measuring stick itself, against the testkit's simulated model on a real port: the open-model schedule sends
 * exactly what it promises, latency is counted from the intended start (coordinated omission corrected), and a
 * stream counts only when it ends with [DONE].
 */
class LoadGeneratorTest {
    private static int port(MockModelServer model) {
        return URI.create(model.baseUrl()).getPort();
    }

    @Test
    void anOpenModelRoundSendsEveryScheduledRequest() throws Exception {
        try (MockModelServer model = MockModelServer.start(MockModelOptions.builder().model("m").build());
             LoadGenerator load = new LoadGenerator("127.0.0.1", port(model))) {
            LoadResult r = load.run(Workloads.chat("m", 50, false), 200, 4, Duration.ofSeconds(1));
            assertThat(r.completed()).isEqualTo(200);
            assertThat(r.errors()).isZero();
            assertThat(model.requests("/v1/chat/completions")).hasSize(200);
            assertThat(r.total().getTotalCount()).isEqualTo(200);
        }
    }

    @Test
    void aServerThatFallsBehindShowsInTheLatencyOfEveryRequestQueuedBehindIt() throws Exception {
        // 40 requests scheduled over one second on one connection, each answered after 100 ms: the server needs
        // four seconds, so the last request waits about three. Timed from when it was sent, it would look like
        // 100 ms; timed from when it was due (as here), the queue shows.
        try (MockModelServer model = MockModelServer.start(MockModelOptions.builder().model("m")
                .firstTokenDelay(Duration.ofMillis(100)).build());
             LoadGenerator load = new LoadGenerator("127.0.0.1", port(model))) {
            LoadResult r = load.run(Workloads.chat("m", 10, false), 40, 1, Duration.ofSeconds(1));
            assertThat(r.completed()).isEqualTo(40);
            assertThat(r.total().getMaxValue() / 1000).as("max ms").isGreaterThan(2_500);
            assertThat(r.total().getValueAtPercentile(50) / 1000).as("p50 ms").isGreaterThan(1_000);
            assertThat(r.total().getMinValue() / 1000).as("min ms").isGreaterThanOrEqualTo(100);
        }
    }

    @Test
    void streamsCountWhenTheyEndWithDoneAndClosedLoopRunsUntilTheEnd() throws Exception {
        try (MockModelServer model = MockModelServer.start(MockModelOptions.builder().model("m").responseTokens(5)
                .build());
             LoadGenerator load = new LoadGenerator("127.0.0.1", port(model))) {
            LoadResult streams = load.run(Workloads.chat("m", 10, true), 100, 2, Duration.ofMillis(500));
            assertThat(streams.completed()).isEqualTo(50);
            assertThat(streams.errors()).isZero();
            assertThat(streams.firstByte().getTotalCount()).isEqualTo(50);
            LoadResult closed = load.run(Workloads.chat("m", 10, false), 0, 2, Duration.ofMillis(500));
            assertThat(closed.completed()).isPositive();
            assertThat(closed.errors()).isZero();
        }
    }

    @Test
    void aGeneratorThatKeepsItsConnectionsServesEveryRoundOnTheSameOnes() throws Exception {
        try (MockModelServer model = MockModelServer.start(MockModelOptions.builder().model("m").responseTokens(3)
                .build())) {
            try (LoadGenerator kept = new LoadGenerator("127.0.0.1", port(model), true)) {
                for (boolean stream : new boolean[] {false, true, false}) {
                    LoadResult r = kept.run(Workloads.chat("m", 10, stream), 100, 3, Duration.ofMillis(300));
                    assertThat(r.completed()).isEqualTo(30);
                    assertThat(r.errors()).isZero();
                }
                assertThat(model.acceptedConnections()).as("three rounds on three kept connections").isEqualTo(3);
            }
            try (LoadGenerator perRound = new LoadGenerator("127.0.0.1", port(model))) {
                perRound.run(Workloads.chat("m", 10, false), 100, 3, Duration.ofMillis(300));
                perRound.run(Workloads.chat("m", 10, false), 100, 3, Duration.ofMillis(300));
                assertThat(model.acceptedConnections()).as("each round opens its own").isEqualTo(3 + 6);
            }
        }
    }

    @Test
    void anAnswerThatIsNotASuccessIsAnError() throws Exception {
        try (MockModelServer model = MockModelServer.start(MockModelOptions.builder().model("m").build());
             LoadGenerator load = new LoadGenerator("127.0.0.1", port(model))) {
            LoadGenerator.Workload wrongPath = new LoadGenerator.Workload("/v1/no-such-endpoint",
                    Workloads.chatBody("m", 10, false), java.util.List.of(), false);
            LoadResult r = load.run(wrongPath, 50, 1, Duration.ofMillis(200));
            assertThat(r.errors()).isEqualTo(10);
            assertThat(r.completed()).isZero();
        }
    }

    @Test
    void variedPromptsAre1024DifferentValidRequests() throws Exception {
        LoadGenerator.Workload w = Workloads.variedChat("m", 200, false, Path.of("..", "docs"));
        ObjectMapper json = new ObjectMapper();
        Set<String> prompts = new HashSet<>();
        for (byte[] body : w.bodies()) {
            JsonNode tree = json.readTree(body);
            assertThat(tree.path("model").asText()).isEqualTo("m");
            prompts.add(tree.path("messages").get(1).path("content").asText());
        }
        assertThat(w.bodies()).hasSize(1024);
        assertThat(prompts).hasSizeGreaterThan(1000);
        assertThat(prompts).allSatisfy(p -> assertThat(p.length()).isBetween(100, 800));
    }
}
