package dev.switchboard.benchmarks.jmh;

import dev.switchboard.core.RequestView;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.routing.RoutingDecision;
import dev.switchboard.core.routing.RoutingInput;
import dev.switchboard.core.routing.RoutingTable;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** One routing decision over a realistic rule set: header, tenant, token and combined conditions, weighted pick. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RoutingBenchmark {
    RoutingTable table;
    RoutingInput firstRule;
    RoutingInput lastRule;
    RandomGenerator random = new SplittableRandom(1);

    @Setup
    public void setUp() {
        table = RoutingTable.compile(ConfigLoader.withEnv(k -> null).parse("""
                backends:
                  - { name: hosted, base-url: "http://h:1/v1", model: big, residency: external }
                  - { name: inhouse, base-url: "http://i:1/v1", model: small, residency: internal }
                routes:
                  - name: chat
                    rules:
                      - when: { header: { x-scenario: aml-report } }
                        use: [hosted, inhouse]
                      - when: { all: [ { tenant: [risk, audit] }, { prompt-tokens: { gt: 6000 } } ] }
                        use: [hosted]
                      - when: { not: { tenant: retail } }
                        use: [inhouse, hosted]
                      - use: [ { backend: inhouse, weight: 3 }, { backend: hosted, weight: 1 } ]
                        strategy: weighted
                """, "bench"));
        RequestView view = RequestView.chat("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"Summarise the account.\"}]}");
        view.promptTokens(); // estimated once per request in the gateway too
        firstRule = new RoutingInput(view, Map.of("x-scenario", "aml-report"), "retail");
        lastRule = new RoutingInput(view, Map.of(), "retail");
    }

    @Benchmark
    public RoutingDecision firstRuleMatches() {
        return table.decide(firstRule, random);
    }

    @Benchmark
    public RoutingDecision fallThroughToWeighted() {
        return table.decide(lastRule, random);
    }
}
