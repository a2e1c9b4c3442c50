package dev.switchboard.benchmarks;

import dev.switchboard.benchmarks.load.LoadGenerator;
import dev.switchboard.benchmarks.load.LoadResult;
import dev.switchboard.testkit.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What the shared state costs: two sidecars on one simulated backend, identical but for {@code state.store} —
 * memory (A) and a real Redis on loopback (B) — under the same open-model load in alternating rounds. Every
 * request belongs to a tenant with a budget and a rate limit and goes to a backend with a declared
 * {@code max-concurrency}, so on the Redis side it pays every shared-state script: rate limit, capacity slot and
 * budget reservation before the call, settlement and release after it.
 */
@Command(name = "state", mixinStandardHelpOptions = true,
        description = "Added latency of the Redis state store against the memory store, alternating rounds.")
final class StateStoreBenchmark implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    Processes processes;

    @Option(names = "--sidecar-jvm-args", defaultValue = "-Xms256m -Xmx256m -XX:+UseParallelGC " + Workloads.METASPACE,
            description = "JVM flags of each sidecar (default: ${DEFAULT-VALUE}).")
    String sidecarJvmArgs;

    @Option(names = "--rate", defaultValue = "1000", description = "Requests per second (open model).")
    double rate;

    @Option(names = "--connections", defaultValue = "64", description = "Keep-alive connections.")
    int connections;

    @Option(names = "--duration", defaultValue = "10s", description = "Length of each measured round.")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "10s", description = "Unmeasured warm-up per side.")
    Duration warmup;

    @Option(names = "--rounds", defaultValue = "3", description = "Measured rounds per side (alternating A/B).")
    int rounds;

    @Option(names = "--out", description = "Also write the report (markdown) to this file.")
    Path out;

    @Override
    public Integer call() throws Exception {
        try (RedisServer redis = RedisServer.start();
             ManagedProcess backend = processes.start("backend", List.of("-Xms256m", "-Xmx256m"),
                     Workloads.benchModel(16))) {
            Path memory = config(backend.port(), "");
            Path shared = config(backend.port(), "state: { store: redis, redis: { uri: " + redis.uri() + " } }\n");
            List<String> jvm = Processes.flags(sidecarJvmArgs);
            try (ManagedProcess a = processes.start("memory-sidecar", jvm,
                    List.of("serve", "--config", memory.toString()));
                 ManagedProcess b = processes.start("redis-sidecar", jvm,
                         List.of("serve", "--config", shared.toString()));
                 LoadGenerator toA = new LoadGenerator("127.0.0.1", a.port());
                 LoadGenerator toB = new LoadGenerator("127.0.0.1", b.port())) {
                LoadGenerator.Workload work = new LoadGenerator.Workload("/v1/chat/completions",
                        Workloads.chatBody("bench", 200, false), List.<String[]>of(
                                new String[] {"x-switchboard-tenant", "bench-tenant"}), false);
                toA.run(work, rate, connections, warmup);
                toB.run(work, rate, connections, warmup);
                LoadResult ra = LoadResult.empty();
                LoadResult rb = LoadResult.empty();
                for (int i = 0; i < rounds; i++) {
                    ra = ra.plus(toA.run(work, rate, connections, duration));
                    rb = rb.plus(toB.run(work, rate, connections, duration));
                }
                StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "# state: memory vs redis store, "
                        + "%.0f req/s, %d connections, %d rounds x %s per side%n%n", rate, connections, rounds,
                        duration));
                sb.append("| store | req/s | errors | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |\n");
                sb.append("|---|---|---|---|---|---|---|---|\n");
                sb.append(EndToEndBenchmark.row("memory", ra, ra.total()));
                sb.append(EndToEndBenchmark.row("redis", rb, rb.total()));
                sb.append(EndToEndBenchmark.added("added by the Redis store (redis - memory)", ra.total(),
                        rb.total()));
                System.out.println(sb);
                if (out != null) {
                    Files.writeString(out, sb.toString());
                }
            } finally {
                Files.deleteIfExists(memory);
                Files.deleteIfExists(shared);
            }
        }
        return 0;
    }

    private static Path config(int backendPort, String state) throws Exception {
        Path file = Files.createTempFile("switchboard-state-bench", ".yaml");
        Files.writeString(file, """
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                backends:
                  - name: bench-backend
                    base-url: http://127.0.0.1:%d/v1
                    model: bench-model
                    residency: internal
                    price: { input-per-mtok: 0.1, output-per-mtok: 0.3, currency: CNY }
                    limits: { max-concurrency: 8192 }
                routes:
                  - name: bench
                    rules: [ { use: [bench-backend] } ]
                budgets:
                  - { tenant: bench-tenant, daily: 1000000, currency: CNY, when-exhausted: reject }
                rate-limits:
                  - { tenant: bench-tenant, requests-per-second: 1000000, burst: 1000000 }
                """.formatted(backendPort) + state);
        return file;
    }
}
