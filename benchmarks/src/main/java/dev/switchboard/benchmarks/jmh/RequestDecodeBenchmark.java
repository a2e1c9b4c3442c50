package dev.switchboard.benchmarks.jmh;

import dev.switchboard.core.RequestView;
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

/** Decoding a client body into a {@link RequestView}, and re-encoding it for the upstream with the model replaced. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RequestDecodeBenchmark {
    @Param({"200", "8000"})
    int promptTokens;

    byte[] body;
    RequestView view;

    @Setup
    public void setUp() {
        String text = "review the account history for unusual transfers ".repeat(Math.max(1, promptTokens / 8));
        body = ("{\"model\":\"chat\",\"temperature\":0.2,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":"
                + "\"lookup\",\"parameters\":{\"type\":\"object\"}}}],\"messages\":[{\"role\":\"system\",\"content\":"
                + "\"You are a careful bank analyst.\"},{\"role\":\"user\",\"content\":\"" + text + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        view = RequestView.chat(body);
    }

    @Benchmark
    public RequestView decode() {
        return RequestView.chat(body);
    }

    @Benchmark
    public byte[] upstreamBody() {
        return view.upstreamBody("big-model-v3", false);
    }
}
