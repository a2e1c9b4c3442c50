package dev.switchboard.benchmarks;

import dev.switchboard.benchmarks.load.LoadGenerator;
import dev.switchboard.benchmarks.load.LoadResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Thousands of slow streams held open through the sidecar at once, as a bank's chat front-ends produce them:
 * reports errors, and the sidecar's resident memory, heap and threads over time, plus its idle memory and start
 * time.
 */
@Command(name = "streams", mixinStandardHelpOptions = true,
        description = "Hold N slow streams open through the sidecar; report errors, RSS and heap over time.")
final class StreamsBenchmark implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    Processes processes;

    @Option(names = "--sidecar-jvm-args", defaultValue = "-Xms32m -Xmx256m -XX:+UseSerialGC " + Workloads.METASPACE,
            description = "JVM flags of the sidecar (default: ${DEFAULT-VALUE}).")
    String sidecarJvmArgs;

    @Option(names = "--streams", defaultValue = "5000", description = "Concurrent streams.")
    int streams;

    @Option(names = "--stream-seconds", defaultValue = "30", description = "Length of each stream.")
    int streamSeconds;

    @Option(names = "--tokens-per-second", defaultValue = "20", description = "Pace of each stream.")
    int tokensPerSecond;

    @Option(names = "--ramp", defaultValue = "10s", description = "Time over which the streams are opened.")
    Duration ramp;

    @Option(names = "--sample-every", defaultValue = "2s")
    Duration sampleEvery;

    @Option(names = "--out", description = "Also write the report (markdown) to this file.")
    Path out;

    @Override
    public Integer call() throws Exception {
        List<String> lines = new ArrayList<>();
        try (ManagedProcess backend = processes.start("backend", List.of("-Xmx1g", "-XX:+UseParallelGC"),
                List.of("mock-model", "--port", "0", "--model", "slow-model", "--tokens-per-second",
                        Integer.toString(tokensPerSecond), "--response-tokens",
                        Integer.toString(streamSeconds * tokensPerSecond)))) {
            Path config = Files.createTempFile("switchboard-streams", ".yaml");
            Files.writeString(config, """
                    server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                    backends:
                      - name: slow
                        base-url: http://127.0.0.1:%d/v1
                        model: slow-model
                        residency: internal
                        limits: { max-concurrency: %d, total-timeout: 10m }
                    routes:
                      - name: chat
                        rules:
                          - use: [slow]
                    """.formatted(backend.port(), Math.max(streams * 2, 1024)));
            try (ManagedProcess sidecar = processes.start("sidecar", Processes.flags(sidecarJvmArgs),
                    List.of("serve", "--config", config.toString()))) {
                lines.add(String.format(Locale.ROOT, "# streams: %d concurrent, %d s each at %d tokens/s, opened over %s;"
                                + " sidecar %s on %s%n", streams, streamSeconds, tokensPerSecond, ramp, sidecarJvmArgs,
                        processes.java));
                lines.add(String.format(Locale.ROOT, "start to ready: %d ms%n", sidecar.startToReady().toMillis()));
                Thread.sleep(2000);
                lines.add(String.format(Locale.ROOT, "idle after start: RSS %.0f MB, heap used %.0f MB, threads %d%n",
                        mb(sidecar.rssBytes()), mb(sidecar.heapUsedBytes()), sidecar.threads()));
                lines.add("| t (s) | RSS MB | heap used MB | threads |");
                lines.add("|---|---|---|---|");
                LoadGenerator.Workload workload = Workloads.chat("chat", 50, true);
                double rate = streams / (ramp.toMillis() / 1000.0);
                try (LoadGenerator generator = new LoadGenerator("127.0.0.1", sidecar.port())) {
                    long t0 = System.nanoTime();
                    CompletableFuture<LoadResult> run = CompletableFuture.supplyAsync(() -> {
                        try {
                            return generator.run(workload, rate, streams, ramp);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    long maxRss = 0;
                    long maxHeap = 0;
                    while (!run.isDone()) {
                        long rss = sidecar.rssBytes();
                        long heap = sidecar.heapUsedBytes();
                        maxRss = Math.max(maxRss, rss);
                        maxHeap = Math.max(maxHeap, heap);
                        String row = String.format(Locale.ROOT, "| %.0f | %.0f | %.0f | %d |",
                                (System.nanoTime() - t0) / 1e9, mb(rss), mb(heap), sidecar.threads());
                        System.out.println(row);
                        lines.add(row);
                        try {
                            run.get(sampleEvery.toMillis(), TimeUnit.MILLISECONDS);
                        } catch (java.util.concurrent.TimeoutException e) {
                            // next sample
                        }
                    }
                    LoadResult r = run.get();
                    lines.add(String.format(Locale.ROOT, "%nstreams completed with [DONE]: %d, errors: %d; "
                                    + "peak RSS %.0f MB, peak heap used %.0f MB; stream time p50 %.1f s, p99 %.1f s; "
                                    + "first token p50 %.1f ms, p99 %.1f ms%n", r.completed(), r.errors(), mb(maxRss),
                            mb(maxHeap), EndToEndBenchmark.ms(r.total(), 50) / 1000,
                            EndToEndBenchmark.ms(r.total(), 99) / 1000, EndToEndBenchmark.ms(r.firstByte(), 50),
                            EndToEndBenchmark.ms(r.firstByte(), 99)));
                    Thread.sleep(3000);
                    lines.add(String.format(Locale.ROOT, "idle after the run: RSS %.0f MB, heap used %.0f MB, threads %d%n",
                            mb(sidecar.rssBytes()), mb(sidecar.heapUsedBytes()), sidecar.threads()));
                }
            } finally {
                Files.deleteIfExists(config);
            }
        }
        String text = String.join("\n", lines);
        System.out.println(text);
        if (out != null) {
            Files.writeString(out, text);
        }
        return 0;
    }

    private static double mb(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
