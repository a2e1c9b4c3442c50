package dev.switchboard.benchmarks;

import dev.switchboard.benchmarks.load.LoadGenerator;
import dev.switchboard.benchmarks.load.LoadResult;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Drives load at any running OpenAI-compatible endpoint (a sidecar, a model): one round, one report line. */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "Send chat completions at a fixed rate (or closed-loop) to host:port; print latency.")
final class LoadCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    Endpoint endpoint;

    @Option(names = "--rate", defaultValue = "0", description = "Requests per second; 0 = closed loop.")
    double rate;

    @Option(names = "--connections", defaultValue = "64")
    int connections;

    @Option(names = "--duration", defaultValue = "10s")
    Duration duration;

    @Override
    public Integer call() throws Exception {
        try (LoadGenerator generator = endpoint.generator(false)) {
            LoadResult r = generator.run(endpoint.workload(), rate, connections, duration);
            System.out.printf(Locale.ROOT, "%.0f req/s, %d errors; total p50 %.3f p90 %.3f p99 %.3f p99.9 %.3f ms; "
                            + "first byte p50 %.3f p99 %.3f ms%n", r.throughput(), r.errors(),
                    EndToEndBenchmark.ms(r.total(), 50), EndToEndBenchmark.ms(r.total(), 90),
                    EndToEndBenchmark.ms(r.total(), 99), EndToEndBenchmark.ms(r.total(), 99.9),
                    EndToEndBenchmark.ms(r.firstByte(), 50), EndToEndBenchmark.ms(r.firstByte(), 99));
        }
        return 0;
    }
}
