package dev.switchboard.core.internal.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.config.BudgetSpec;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.core.internal.stats.BackendStats;
import dev.switchboard.core.routing.CandidateTrace;
import dev.switchboard.core.routing.NoCandidateException;
import dev.switchboard.core.routing.RoutingDecision;
import dev.switchboard.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Strategies over live statistics: real BackendStats driven by a manual clock, no mocks. */
class StrategyTest {
    private static final String CONFIG = """
            backends:
              - name: hosted
                base-url: "http://h:1/v1"
                model: big
                residency: external
                price: { input-per-mtok: 2.0, output-per-mtok: 8.0, currency: CNY }
                expected: { first-token: 900ms, tokens-per-second: 60 }
              - name: inhouse
                base-url: "http://i:1/v1"
                model: small
                residency: internal
                price: { input-per-mtok: 0.1, output-per-mtok: 0.3, currency: CNY }
                token-factor: 1.2
                limits: { max-concurrency: 2 }
              - name: mid
                base-url: "http://m:1/v1"
                model: mid
                residency: external
                price: { input-per-mtok: 0.5, output-per-mtok: 1.0, currency: CNY }
            routes:
              - name: cheap
                rules: [ { use: [hosted, mid, inhouse], strategy: cheapest } ]
              - name: fast
                rules: [ { use: [inhouse, mid, hosted], strategy: fastest } ]
              - name: slo
                expected-output-tokens: 100
                rules:
                  - use: [hosted, inhouse, mid]
                    strategy: cheapest-within-slo
                    slo: { first-token-p95: 800ms }
              - name: prio-slo
                rules:
                  - use: [inhouse, hosted]
                    slo: { first-token-p95: 800ms }
            """;

    private final GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse(CONFIG, "t");
    private final RoutingTable table = RoutingTable.compile(spec);
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-30T02:00:00Z"));
    private final Map<String, BackendStats> stats = new HashMap<>();
    private Optional<BudgetSpec.WhenExhausted> budget = Optional.empty();
    private final LiveSignals signals = new LiveSignals() {
        @Override
        public BackendStats stats(String backend) {
            return stats.get(backend);
        }

        @Override
        public Optional<BudgetSpec.WhenExhausted> exhaustedBudget(String tenant) {
            return budget;
        }
    };

    StrategyTest() {
        spec.backends().forEach(b -> stats.put(b.name(), new BackendStats(b.name(), b.limits().maxConcurrency(),
                clock)));
    }

    private RoutingDecision decide(String model) {
        RequestView view = RequestView.chat("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"" + "word ".repeat(200) + "\"}]}");
        return table.decide(new RoutingInput(view, Map.of(), "retail", clock.instant()), new Random(1), signals);
    }

    private void observe(String backend, long firstTokenMillis, double tokensPerSecond, int times) {
        for (int i = 0; i < times; i++) {
            stats.get(backend).recordFirstToken(Duration.ofMillis(firstTokenMillis));
            stats.get(backend).recordTokensPerSecond(tokensPerSecond);
        }
    }

    @Test
    void cheapestOrdersByEstimatedCostWithTheTokenFactor() {
        RoutingDecision d = decide("cheap");
        assertThat(d.candidates()).containsExactly("inhouse", "mid", "hosted");
        CandidateTrace first = d.traces().get(0);
        assertThat(first.reason()).startsWith("cheapest (est ");
        // 203 prompt tokens x 1.2 x 0.1 + 256 expected output x 0.3, per million.
        assertThat(first.estimatedCost()).isCloseTo((d.promptTokens() * 1.2 * 0.1 + 256 * 0.3) / 1e6,
                org.assertj.core.data.Offset.offset(1e-12));
        assertThat(d.traces().get(2).estimatedCost()).isGreaterThan(d.traces().get(1).estimatedCost());
    }

    @Test
    void fastestUsesMeasuredLatencyAndPutsUnknownLast() {
        observe("inhouse", 400, 20, 10);
        observe("mid", 100, 100, 10);
        // hosted has only its prior: 900 ms first token, 60 tokens/s.
        RoutingDecision d = decide("fast");
        assertThat(d.candidates()).containsExactly("mid", "hosted", "inhouse");
        assertThat(d.traces().get(0).reason()).startsWith("fastest");
        assertThat(d.traces().get(0).predictedFirstTokenMillis()).isEqualTo(100);
    }

    @Test
    void cheapestWithinSloSkipsWhatIsPredictedTooSlow() {
        observe("inhouse", 1500, 30, 20); // cheapest, but its p95 misses the 800 ms SLO
        observe("mid", 300, 50, 20);
        RoutingDecision d = decide("slo");
        // hosted's prior (900 ms) misses the SLO as well; mid is the cheapest within it.
        assertThat(d.candidates()).containsExactly("mid", "hosted", "inhouse");
        assertThat(d.traces().get(0).reason()).startsWith("cheapest within SLO");
        assertThat(d.traces().get(1).reason()).contains("over SLO");

        observe("inhouse", 200, 30, 256); // the in-house model recovers: the window fills with fast samples
        assertThat(decide("slo").candidates().get(0)).isEqualTo("inhouse");
    }

    @Test
    void whenNoneMeetsTheSloTheFastestGoesFirst() {
        observe("inhouse", 3000, 30, 20);
        observe("mid", 1200, 50, 20);
        RoutingDecision d = decide("slo");
        assertThat(d.candidates()).containsExactly("hosted", "mid", "inhouse");
        assertThat(d.traces().get(0).reason()).startsWith("none within SLO: fastest");
    }

    @Test
    void oldSamplesStopCounting() {
        observe("inhouse", 3000, 30, 20);
        assertThat(decide("slo").candidates().get(0)).isNotEqualTo("inhouse");
        clock.advance(BackendStats.WINDOW.plusSeconds(2));
        // No data inside the window: unknown counts as within the SLO, and inhouse is cheapest.
        assertThat(decide("slo").candidates().get(0)).isEqualTo("inhouse");
    }

    @Test
    void aFullInHouseBackendIsExcludedSoTheCallSpillsOver() {
        assertThat(stats.get("inhouse").tryAcquire()).isTrue();
        assertThat(stats.get("inhouse").tryAcquire()).isTrue();
        RoutingDecision d = decide("cheap");
        assertThat(d.candidates()).containsExactly("mid", "hosted");
        assertThat(d.traces()).filteredOn(CandidateTrace::excluded).singleElement()
                .satisfies(t -> {
                    assertThat(t.exclusion()).isEqualTo(dev.switchboard.core.routing.Exclusion.AT_CAPACITY);
                    assertThat(t.reason()).isEqualTo("excluded: at capacity (2/2 in flight)");
                });
        assertThat(d.summary()).contains("inhouse excluded: at capacity");
        stats.get("inhouse").release();
        assertThat(decide("cheap").candidates().get(0)).isEqualTo("inhouse");
    }

    @Test
    void anInHouseBackendOverTheSloIsPassedOverEvenInPriorityOrder() {
        observe("inhouse", 2000, 30, 20);
        observe("hosted", 300, 60, 20);
        RoutingDecision d = decide("prio-slo");
        assertThat(d.candidates()).containsExactly("hosted", "inhouse");
        assertThat(d.traces().get(1).reason()).contains("passed over: predicted over SLO");
    }

    @Test
    void exhaustedBudgetsKeepToInternalOrReject() {
        budget = Optional.of(BudgetSpec.WhenExhausted.INTERNAL_ONLY);
        RoutingDecision d = decide("cheap");
        assertThat(d.candidates()).containsExactly("inhouse");
        assertThat(d.traces()).filteredOn(CandidateTrace::excluded).extracting(CandidateTrace::reason)
                .containsOnly("excluded: tenant budget exhausted: internal backends only");

        budget = Optional.of(BudgetSpec.WhenExhausted.REJECT);
        assertThatThrownBy(() -> decide("cheap")).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.BUDGET_EXHAUSTED);
            assertThat(e.status()).isEqualTo(429);
        });
    }

    @Test
    void noCandidateLeftIs503WithTheDecision() {
        budget = Optional.of(BudgetSpec.WhenExhausted.INTERNAL_ONLY);
        stats.get("inhouse").tryAcquire();
        stats.get("inhouse").tryAcquire();
        assertThatThrownBy(() -> decide("cheap")).isInstanceOfSatisfying(NoCandidateException.class,
                e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.decision().traces()).hasSize(3).allMatch(CandidateTrace::excluded)
                            .extracting(CandidateTrace::backend, CandidateTrace::exclusion).containsExactlyInAnyOrder(
                                    org.assertj.core.groups.Tuple.tuple("inhouse",
                                            dev.switchboard.core.routing.Exclusion.AT_CAPACITY),
                                    org.assertj.core.groups.Tuple.tuple("mid",
                                            dev.switchboard.core.routing.Exclusion.BUDGET_INTERNAL_ONLY),
                                    org.assertj.core.groups.Tuple.tuple("hosted",
                                            dev.switchboard.core.routing.Exclusion.BUDGET_INTERNAL_ONLY));
                    assertThat(e.getMessage()).contains("inhouse excluded: at capacity");
                });
    }

    @Test
    void moneyIsShownToThreeSignificantDigits() {
        assertThat(CandidateRanker.money(8.1e-5)).isEqualTo("0.000081");
        assertThat(CandidateRanker.money(0.123456)).isEqualTo("0.123");
        assertThat(CandidateRanker.money(1234.5)).isEqualTo("1230");
        assertThat(CandidateRanker.money(2.0)).isEqualTo("2");
        assertThat(CandidateRanker.money(0.0995)).isEqualTo("0.0995");
        assertThat(CandidateRanker.money(9.999)).isEqualTo("10");
        assertThat(CandidateRanker.money(0)).isEqualTo("0");
    }

    @Test
    void tracesListEveryCandidate() {
        List<CandidateTrace> traces = decide("slo").traces();
        assertThat(traces).extracting(CandidateTrace::backend).containsExactlyInAnyOrder("hosted", "inhouse", "mid");
        assertThat(traces).allSatisfy(t -> assertThat(t.currency()).isEqualTo("CNY"));
    }
}
