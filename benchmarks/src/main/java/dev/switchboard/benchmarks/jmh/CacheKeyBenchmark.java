package dev.switchboard.benchmarks.jmh;

import dev.switchboard.core.RequestView;
import dev.switchboard.core.internal.cache.CacheKey;
import java.nio.charset.StandardCharsets;
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

/** The canonical cache key of a request: sorted fields, SHA-256. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CacheKeyBenchmark {
    @Param({"200", "8000"})
    int promptTokens;

    RequestView view;

    @Setup
    public void setUp() {
        String text = "review the account history for unusual transfers ".repeat(Math.max(1, promptTokens / 8));
        view = RequestView.chat(("{\"model\":\"chat\",\"temperature\":0,\"tools\":[{\"type\":\"function\","
                + "\"function\":{\"name\":\"lookup\",\"parameters\":{\"type\":\"object\"}}}],\"messages\":[{\"role\":"
                + "\"system\",\"content\":\"You are a careful bank analyst.\"},{\"role\":\"user\",\"content\":\""
                + text + "\"}]}").getBytes(StandardCharsets.UTF_8));
    }

    @Benchmark
    public String key() {
        return CacheKey.of("chat", "t:retail", view.tree());
    }
}
