package dev.switchboard.benchmarks.jmh;

import dev.switchboard.core.Usage;
import dev.switchboard.core.internal.backend.UsageReader;
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

/**
 * An answer's usage, read as the gateway read it before (one pass from the start: usage and every choice's finish
 * reason) and as it reads it now (from the end; the finish reasons only when a sampled trace asks).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class UsageReadBenchmark {
    /** Completion tokens of the answer (about four chars each). */
    @Param({"16", "500"})
    int tokens;

    private byte[] answer;

    @Setup
    public void setUp() {
        String content = "The quarter's statement shows two transfers. ".repeat(Math.max(1, tokens / 10));
        answer = ("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1764000000,\"model\":\"bench-model\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + content
                + "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":"
                + "120,\"completion_tokens\":" + tokens + ",\"total_tokens\":" + (120 + tokens)
                + ",\"prompt_tokens_details\":{\"cached_tokens\":0}},\"system_fingerprint\":\"fp_1\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public UsageReader.Read fromTheStart() {
        return UsageReader.read(answer);
    }

    @Benchmark
    public Usage fromTheEnd() {
        return UsageReader.fromBody(answer);
    }
}
