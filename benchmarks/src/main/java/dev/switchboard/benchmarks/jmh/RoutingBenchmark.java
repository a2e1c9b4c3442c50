package dev.switchboard.benchmarks.jmh;

import dev.switchboard.core.RequestView;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.internal.routing.RoutingInput;
import dev.switchboard.core.internal.routing.RoutingTable;
import dev.switchboard.core.routing.RoutingDecision;
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
    RoutingTable large;
    RoutingInput firstRule;
    RoutingInput lastRule;
    RoutingInput largeLastRule;
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
        firstRule = new RoutingInput(view, Map.of("x-scenario", "aml-report"), "retail", java.time.Instant.now());
        lastRule = new RoutingInput(view, Map.of(), "retail", java.time.Instant.now());
        large = RoutingTable.compile(ConfigLoader.withEnv(k -> null).parse(largeConfig(), "bench-large"));
        RequestView largeView = RequestView.chat("{\"model\":\"chat\",\"max_tokens\":300,\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"Summarise the account.\"}]}");
        largeView.promptTokens();
        largeLastRule = new RoutingInput(largeView, Map.of("x-scenario", "none"), "retail",
                java.time.Instant.now());
    }

    /** 10 priced backends and 100 rules of mixed conditions; the request matches only the last. */
    static String largeConfig() {
        StringBuilder sb = new StringBuilder("backends:\n");
        for (int b = 0; b < 10; b++) {
            sb.append("  - { name: b").append(b).append(", base-url: \"http://b").append(b)
                    .append(":1/v1\", model: m, residency: ").append(b % 2 == 0 ? "internal" : "external")
                    .append(", price: { input-per-mtok: ").append(0.1 * (b + 1)).append(", output-per-mtok: ")
                    .append(0.3 * (b + 1)).append(", currency: CNY } }\n");
        }
        sb.append("routes:\n  - name: chat\n    rules:\n");
        for (int r = 0; r < 99; r++) {
            String when = switch (r % 4) {
                case 0 -> "{ header: { x-scenario: s" + r + " } }";
                case 1 -> "{ tenant: [t" + r + ", u" + r + "] }";
                case 2 -> "{ all: [ { prompt-tokens: { gt: " + (10_000 + r) + " } }, { has-tools: true } ] }";
                default -> "{ metadata: { team: x" + r + " } }";
            };
            sb.append("      - when: ").append(when).append("\n        use: [b").append(r % 10).append(", b")
                    .append((r + 1) % 10).append("]\n");
        }
        sb.append("      - use: [b0, b1, b2, b3, b4, b5, b6, b7, b8, b9]\n        strategy: cheapest-within-slo\n")
                .append("        slo: { first-token-p95: 800ms }\n");
        return sb.toString();
    }

    @Benchmark
    public RoutingDecision hundredRulesTenBackends() {
        return large.decide(largeLastRule, random);
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
