package dev.switchboard.benchmarks.jmh;

import dev.switchboard.core.RequestView;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.config.ComplianceSpec;
import dev.switchboard.core.internal.compliance.CompliancePolicy;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole-body scan on the request path: the early scan of the request's tree ({@code early}, the body parsed once
 * by the view) and the egress guard's check of the outgoing bytes ({@code guard}, which parses them), on a chat body
 * with a system prompt, a tool definition and a user message of mixed Chinese and English with dates, amounts and
 * references (no customer data: the usual case).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RequestScanBenchmark {
    @Param({"200", "2000"})
    int promptTokens;

    RequestView view;
    byte[] outgoing;
    CompliancePolicy policy = new CompliancePolicy(ComplianceSpec.DEFAULTS);

    @Setup
    public void setUp() {
        view = ScanBodies.chat(ScanBodies.BANKING.repeat(Math.max(1, promptTokens / 40)));
        outgoing = view.upstreamBody("big-model-v3", false);
    }

    @Benchmark
    public Assessment early() {
        return policy.assess(view);
    }

    @Benchmark
    public Assessment guard() {
        return policy.guard().check(outgoing);
    }
}
