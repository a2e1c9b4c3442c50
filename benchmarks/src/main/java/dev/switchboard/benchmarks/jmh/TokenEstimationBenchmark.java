package dev.switchboard.benchmarks.jmh;

import dev.switchboard.core.request.TokenEstimator;
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

/** Counting prompt tokens with the o200k_base BPE before a call. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TokenEstimationBenchmark {
    @Param({"4096", "32768"})
    int chars;

    String text;

    @Setup
    public void setUp() {
        String base = "客户张三的账户 6222 0212 3456 7890 在本季度没有异常交易。Review the account history for unusual "
                + "transfers and summarise the findings for the compliance officer. ";
        StringBuilder sb = new StringBuilder();
        while (sb.length() < chars) {
            sb.append(base);
        }
        text = sb.substring(0, chars);
        TokenEstimator.shared().count(text);
    }

    @Benchmark
    public int count() {
        return TokenEstimator.shared().count(text);
    }
}
