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
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Direct versus through the sidecar, in one run: a simulated backend and the sidecar run as their own JVMs; the
 * same open-model load goes at the backend (A) and at the sidecar (B) in alternating rounds, so drift of the shared
 * machine hits both sides alike. Reports latency from intended start (coordinated omission corrected), the
 * latency the sidecar adds, and closed-loop throughput at the same connection count.
 */
@Command(name = "e2e", mixinStandardHelpOptions = true,
        description = "Load the backend directly and through the sidecar, alternating rounds; compare.")
final class EndToEndBenchmark implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    Processes processes;

    @Option(names = "--sidecar-jvm-args", defaultValue = Workloads.SIDECAR_JVM_ARGS,
            description = "JVM flags of the sidecar (default: ${DEFAULT-VALUE}).")
    String sidecarJvmArgs;

    @Option(names = "--rates", split = ",", defaultValue = "1000,3000", description = "Requests per second (open model).")
    List<Double> rates;

    @Option(names = "--connections", defaultValue = "64", description = "Keep-alive connections of the load generator.")
    int connections;

    @Option(names = "--duration", defaultValue = "10s", description = "Length of each measured round.")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "10s", description = "Unmeasured warm-up per side and scenario.")
    Duration warmup;

    @Option(names = "--rounds", defaultValue = "3", description = "Measured rounds per side (alternating A/B).")
    int rounds;

    @Option(names = "--prompt-tokens", defaultValue = "200", description = "Size of the user message.")
    int promptTokens;

    @Option(names = "--response-tokens", defaultValue = "16", description = "Tokens the backend answers with.")
    int responseTokens;

    @Option(names = "--modes", split = ",", defaultValue = "plain,stream,cached",
            description = "plain, stream and/or cached (deterministic requests answered from the sidecar's cache).")
    List<String> modes;

    @Option(names = "--skip-throughput", description = "Skip the closed-loop throughput rounds.")
    boolean skipThroughput;

    @Option(names = "--keep-connections", description = "Keep each side's connections open from its warm-up to its "
            + "last round, as a client's pool does, instead of opening them anew for every round: a round then "
            + "measures steady traffic, not the paths a new connection takes first.")
    boolean keepConnections;

    @Option(names = "--out", description = "Also write the report (markdown) to this file.")
    Path out;

    @Option(names = "--prompts", defaultValue = "repeated", description = "repeated (one prompt of nine words over and "
            + "over; default) or varied (1,024 passages of the project's docs, sent in turn; run from the project root).")
    String prompts;

    @Option(names = "--reference", defaultValue = "auto", description = "A do-nothing reverse proxy measured in the "
            + "same rounds, to show what one more hop costs on this machine: nginx, none, or auto (nginx when it is "
            + "installed; default).")
    String reference;

    @Option(names = "--baseline-jar", description = "A previous build's switchboard.jar: its sidecar runs beside this "
            + "one on the same config and is measured in the same alternating rounds, so a change is judged against "
            + "the build before it in one run.")
    Path baselineJar;

    @Option(names = "--console-poll", description = "Poll this build's sidecar's admin port as an open console does "
            + "(backends, decisions, history, budgets, once a second each) for the whole run; the baseline is not "
            + "polled.")
    boolean consolePoll;

    @Option(names = "--traces", defaultValue = "off", description = "off, or a sampling ratio (1, 0.01): this "
            + "build's sidecar exports traces over OTLP/HTTP to a receiver in this process; with --baseline-jar set "
            + "to this same jar, the rows compare tracing on against off in the same rounds.")
    String traces;

    @Option(names = "--pin", description = "CPUs for the proxies under test (the sidecar, a baseline, nginx), such as 0 "
            + "or 0-1: they run there under taskset, and the model server and this load generator on the other CPUs.")
    String pin;

    private boolean cachedMode;
    private Pinning pinning;
    /**
     * CPU per request in the last measured rounds, in microseconds: the model server on the direct path, this
     * build's sidecar, nginx, the baseline (NaN where not measured).
     */
    private double[] cpuPerRequest = new double[4];
    private ReferenceProxy proxy;
    private ManagedProcess baseline;

    @Override
    public Integer call() throws Exception {
        List<String> report = new ArrayList<>();
        pinning = pin == null ? null : Pinning.of(pin);
        if (pinning != null) {
            pinning.pinThisProcess();
        }
        List<String> modelPrefix = pinning == null ? List.of() : pinning.modelPrefix();
        List<String> proxyPrefix = pinning == null ? List.of() : pinning.proxyPrefix();
        try (ManagedProcess backend = processes.start("backend", modelPrefix,
                Workloads.MODEL_JVM, Workloads.benchModel(responseTokens))) {
            Path config = Workloads.benchConfig(backend.port(), """
                      - name: bench-cached
                        cache: { enabled: true }
                        rules:
                          - use: [bench-backend]
                    """, "");
            dev.switchboard.testkit.OtlpReceiver collector = traces.equals("off") ? null
                    : dev.switchboard.testkit.OtlpReceiver.counting();
            List<String> sidecarFlags = new ArrayList<>(Processes.flags(sidecarJvmArgs));
            if (collector != null) {
                double ratio = Double.parseDouble(traces);
                sidecarFlags.addAll(List.of("-Dotel.traces.exporter=otlp",
                        "-Dotel.exporter.otlp.traces.protocol=http/protobuf",
                        "-Dotel.exporter.otlp.traces.endpoint=" + collector.endpoint(),
                        "-Dotel.traces.sampler=parentbased_traceidratio", "-Dotel.traces.sampler.arg=" + ratio));
                report.add(String.format(Locale.ROOT, "traces: this build's sidecar exports to an OTLP/HTTP receiver "
                        + "at sampling ratio %s%s%n", traces, baselineJar == null ? "" : "; the baseline does not"));
            }
            try (collector; ManagedProcess sidecar = processes.start("sidecar", proxyPrefix, sidecarFlags,
                    List.of("serve", "--config", config.toString()));
                 ManagedProcess before = baselineJar == null ? null : ManagedProcess.start("baseline", proxyPrefix,
                         processes.java, Processes.flags(sidecarJvmArgs), baselineJar, List.of("serve", "--config",
                                 config.toString()));
                 ReferenceProxy nginx = startReference(backend.port())) {
                proxy = nginx;
                baseline = before;
                report.add(header(sidecar));
                ConsolePoller poller = consolePoll ? new ConsolePoller(sidecar.adminPort()) : null;
                if (poller != null) {
                    report.add(String.format(Locale.ROOT, "console: this build's admin port %d is polled like an "
                            + "open console (4 endpoints a second)%s%n", sidecar.adminPort(),
                            baselineJar == null ? "" : "; the baseline's is not"));
                }
                try (poller) {
                    for (String mode : modes) {
                        boolean stream = mode.equals("stream");
                        cachedMode = mode.equals("cached");
                        for (double rate : rates) {
                            report.add(compareAtRate(backend, sidecar, stream, rate));
                        }
                        if (!skipThroughput) {
                            report.add(compareThroughput(backend, sidecar, stream));
                        }
                    }
                }
                if (poller != null) {
                    report.add(String.format(Locale.ROOT, "console polls answered: %,d (failed: %,d)%n",
                            poller.answered(), poller.failed()));
                }
                if (collector != null) {
                    report.add(String.format(Locale.ROOT, "spans received by the OTLP receiver: %,d%n",
                            collector.received()));
                }
            } finally {
                Files.deleteIfExists(config);
            }
        }
        String text = String.join("\n", report);
        System.out.println(text);
        if (out != null) {
            Files.writeString(out, text);
        }
        return 0;
    }

    private ReferenceProxy startReference(int backendPort) throws Exception {
        Path nginx = ReferenceProxy.find();
        switch (reference) {
            case "none":
                return null;
            case "auto":
                return nginx == null ? null : ReferenceProxy.start(nginx, backendPort,
                        pinning == null ? List.of() : pinning.proxyPrefix(), nginxWorkers());
            case "nginx":
                if (nginx == null) {
                    throw new IllegalStateException("--reference nginx: nginx is not installed (apt-get install "
                            + "nginx-light)");
                }
                return ReferenceProxy.start(nginx, backendPort, pinning == null ? List.of() : pinning.proxyPrefix(),
                        nginxWorkers());
            default:
                throw new IllegalArgumentException("--reference: expected auto, nginx or none, got " + reference);
        }
    }

    /** One nginx worker per pinned CPU (nginx's "auto" counts the machine's CPUs, not its affinity). */
    private String nginxWorkers() {
        return pinning == null ? "auto" : Integer.toString(pinning.proxyCpus());
    }

    private String header(ManagedProcess sidecar) {
        return String.format(Locale.ROOT, "# e2e: %d connections, %s rounds x %d per side, prompt %d tokens, answer %d "
                        + "tokens (%s); sidecar %s (start to ready %d ms); reference proxy: %s%n", connections,
                duration, rounds, promptTokens, responseTokens, prompts, sidecarJvmArgs,
                sidecar.startToReady().toMillis(), proxy == null || cachedMode ? "none" : "nginx")
                + (pinning == null ? "" : "pinned: " + pinning.describe() + "\n")
                + (keepConnections ? "connections kept from the warm-up to the last round\n" : "")
                + (baseline == null ? "" : String.format(Locale.ROOT, "baseline sidecar: %s (start to ready %d ms)%n",
                baselineJar, baseline.startToReady().toMillis()));
    }

    private String compareAtRate(ManagedProcess backend, ManagedProcess sidecar, boolean stream, double rate)
            throws Exception {
        LoadResult[] r = alternate(backend, sidecar, stream, rate);
        LoadResult a = r[0];
        LoadResult b = r[1];
        LoadResult n = r[2];
        LoadResult o = r[3];
        String what = (cachedMode ? "cached (sidecar answers from its cache)" : stream ? "stream" : "plain")
                + String.format(Locale.ROOT, " @ %.0f req/s", rate);
        StringBuilder sb = new StringBuilder("\n## ").append(what).append("\n\n");
        sb.append("| path | req/s | errors | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        sb.append(row("direct", a, a.total()));
        if (n != null) {
            sb.append(row("nginx", n, n.total()));
        }
        sb.append(row("sidecar", b, b.total()));
        if (o != null) {
            sb.append(row("baseline sidecar", o, o.total()));
        }
        sb.append(added("added (sidecar - direct), total time", a.total(), b.total()));
        if (o != null) {
            sb.append(added("added by the baseline build (baseline - direct)", a.total(), o.total()));
            sb.append(added("this build against the baseline (sidecar - baseline)", o.total(), b.total()));
        }
        if (n != null) {
            sb.append(added("added by one nginx hop (nginx - direct)", a.total(), n.total()));
            sb.append(added("added by Switchboard beyond that hop (sidecar - nginx)", n.total(), b.total()));
        }
        sb.append(cpuRows(n != null, o != null));
        if (stream) {
            sb.append("\nTime to first token:\n\n");
            sb.append("| path | p50 ms | p90 ms | p99 ms | p99.9 ms |\n|---|---|---|---|---|\n");
            sb.append(ttftRow("direct", a.firstByte()));
            if (n != null) {
                sb.append(ttftRow("nginx", n.firstByte()));
            }
            sb.append(ttftRow("sidecar", b.firstByte()));
            if (o != null) {
                sb.append(ttftRow("baseline sidecar", o.firstByte()));
            }
            sb.append(added("added time to first token", a.firstByte(), b.firstByte()));
            if (o != null) {
                sb.append(added("time to first token against the baseline (sidecar - baseline)", o.firstByte(),
                        b.firstByte()));
            }
            if (n != null) {
                sb.append(added("added time to first token by one nginx hop", a.firstByte(), n.firstByte()));
                sb.append(added("added time to first token beyond that hop (sidecar - nginx)", n.firstByte(),
                        b.firstByte()));
            }
        }
        System.out.println(sb);
        return sb.toString();
    }

    private String compareThroughput(ManagedProcess backend, ManagedProcess sidecar, boolean stream) throws Exception {
        LoadResult[] r = alternate(backend, sidecar, stream, 0);
        LoadResult a = r[0];
        LoadResult b = r[1];
        LoadResult n = r[2];
        LoadResult o = r[3];
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%n## %s closed-loop throughput, %d connections"
                + "%n%n| path | req/s | errors | p50 ms | p99 ms |%n|---|---|---|---|---|%n",
                cachedMode ? "cached" : stream ? "stream" : "plain", connections));
        sb.append(throughputRow("direct", a));
        if (n != null) {
            sb.append(throughputRow("nginx", n));
        }
        sb.append(throughputRow("sidecar", b));
        if (o != null) {
            sb.append(throughputRow("baseline sidecar", o));
        }
        sb.append(String.format(Locale.ROOT, "%nsidecar / direct throughput: **%.2f**%n", b.throughput() / a.throughput()));
        if (o != null) {
            sb.append(String.format(Locale.ROOT, "baseline / direct throughput: **%.2f**; sidecar / baseline: **%.2f**%n",
                    o.throughput() / a.throughput(), b.throughput() / o.throughput()));
        }
        if (n != null) {
            sb.append(String.format(Locale.ROOT, "nginx / direct throughput: **%.2f**; sidecar / nginx: **%.2f**%n",
                    n.throughput() / a.throughput(), b.throughput() / n.throughput()));
        }
        sb.append(cpuRows(n != null, o != null));
        System.out.println(sb);
        return sb.toString();
    }

    /**
     * CPU per request over the measured rounds (user and system time of the process, from /proc): what each proxy
     * spends, comparable with published single-core figures when pinned; the model server's own for scale.
     */
    private String cpuRows(boolean withProxy, boolean withBaseline) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%nCPU per request: sidecar **%.1f µs**",
                cpuPerRequest[1]));
        if (withProxy) {
            sb.append(String.format(Locale.ROOT, ", nginx %.1f µs (sidecar / nginx **%.2f**)", cpuPerRequest[2],
                    cpuPerRequest[1] / cpuPerRequest[2]));
        }
        if (withBaseline) {
            sb.append(String.format(Locale.ROOT, ", baseline sidecar %.1f µs", cpuPerRequest[3]));
        }
        sb.append(String.format(Locale.ROOT, "; the model server, direct: %.1f µs%n", cpuPerRequest[0]));
        return sb.toString();
    }

    private static String throughputRow(String path, LoadResult r) {
        return String.format(Locale.ROOT, "| %s | %.0f | %d | %.2f | %.2f |%n", path, r.throughput(), r.errors(),
                ms(r.total(), 50), ms(r.total(), 99));
    }

    /**
     * Warms every side up, then alternates measured rounds: direct (A), through the sidecar (B), through nginx when
     * there is one (N), A, B, N, ... so drift of the shared machine hits all alike. {@code rate} 0 is closed loop.
     *
     * @return direct, sidecar, nginx (null without a reference proxy, and for cache hits, which nginx cannot
     *         serve) and the baseline build's sidecar (null without one)
     */
    private LoadResult[] alternate(ManagedProcess backend, ManagedProcess sidecar, boolean stream, double rate)
            throws Exception {
        boolean varied = switch (prompts) {
            case "repeated" -> false;
            case "varied" -> true;
            default -> throw new IllegalArgumentException("--prompts: expected repeated or varied, got " + prompts);
        };
        Path docs = Path.of("docs");
        LoadGenerator.Workload direct = varied ? Workloads.variedChat("bench-model", promptTokens, stream, docs)
                : Workloads.chat("bench-model", promptTokens, stream);
        LoadGenerator.Workload through = cachedMode ? Workloads.cached("bench-cached", promptTokens)
                : varied ? Workloads.variedChat("bench", promptTokens, stream, docs)
                : Workloads.chat("bench", promptTokens, stream);
        boolean withProxy = proxy != null && !cachedMode;
        LoadResult a = LoadResult.empty();
        LoadResult b = LoadResult.empty();
        LoadResult n = LoadResult.empty();
        LoadResult o = LoadResult.empty();
        try (LoadGenerator toBackend = new LoadGenerator("127.0.0.1", backend.port(), keepConnections);
             LoadGenerator toSidecar = new LoadGenerator("127.0.0.1", sidecar.port(), keepConnections);
             LoadGenerator toProxy = new LoadGenerator("127.0.0.1", withProxy ? proxy.port() : backend.port(),
                     keepConnections);
             LoadGenerator toBaseline = new LoadGenerator("127.0.0.1",
                     baseline != null ? baseline.port() : backend.port(), keepConnections)) {
            toBackend.run(direct, rate, connections, warmup);
            toSidecar.run(through, rate, connections, warmup);
            if (withProxy) {
                toProxy.run(direct, rate, connections, warmup);
            }
            if (baseline != null) {
                toBaseline.run(through, rate, connections, warmup);
            }
            long[] cpu = new long[4];
            for (int i = 0; i < rounds; i++) {
                long t = CpuTime.micros(backend.pid());
                a = a.plus(toBackend.run(direct, rate, connections, duration));
                cpu[0] += CpuTime.micros(backend.pid()) - t;
                t = CpuTime.micros(sidecar.pid());
                b = b.plus(toSidecar.run(through, rate, connections, duration));
                cpu[1] += CpuTime.micros(sidecar.pid()) - t;
                if (withProxy) {
                    t = CpuTime.micros(proxy.pid());
                    n = n.plus(toProxy.run(direct, rate, connections, duration));
                    cpu[2] += CpuTime.micros(proxy.pid()) - t;
                }
                if (baseline != null) {
                    t = CpuTime.micros(baseline.pid());
                    o = o.plus(toBaseline.run(through, rate, connections, duration));
                    cpu[3] += CpuTime.micros(baseline.pid()) - t;
                }
            }
            LoadResult[] sides = {a, b, n, o};
            for (int i = 0; i < 4; i++) {
                cpuPerRequest[i] = CpuTime.available() && sides[i].completed() > 0
                        ? (double) cpu[i] / sides[i].completed() : Double.NaN;
            }
        }
        return new LoadResult[] {a, b, withProxy ? n : null, baseline != null ? o : null};
    }

    static String row(String path, LoadResult r, Histogram h) {
        return String.format(Locale.ROOT, "| %s | %.0f | %d | %.3f | %.3f | %.3f | %.3f | %.3f |%n", path,
                r.throughput(), r.errors(), ms(h, 50), ms(h, 90), ms(h, 99), ms(h, 99.9), h.getMaxValue() / 1000.0);
    }

    private static String ttftRow(String path, Histogram h) {
        return String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f |%n", path, ms(h, 50), ms(h, 90),
                ms(h, 99), ms(h, 99.9));
    }

    static String added(String what, Histogram a, Histogram b) {
        return String.format(Locale.ROOT, "%n%s: p50 **%+.3f ms**, p90 %+.3f ms, p99 **%+.3f ms**, p99.9 %+.3f ms%n",
                what, ms(b, 50) - ms(a, 50), ms(b, 90) - ms(a, 90), ms(b, 99) - ms(a, 99), ms(b, 99.9) - ms(a, 99.9));
    }

    static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }

    /** Reads what an open console reads, once a second, on its own thread. */
    private static final class ConsolePoller implements AutoCloseable {
        private final java.util.concurrent.ScheduledExecutorService timer =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "console-poller");
                    t.setDaemon(true);
                    return t;
                });
        private final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        private final java.util.concurrent.atomic.AtomicLong answered = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();

        ConsolePoller(int adminPort) {
            if (adminPort <= 0) {
                throw new IllegalStateException("--console-poll: the sidecar did not print its admin port");
            }
            List<java.net.URI> pages = List.of("/admin/backends", "/admin/decisions?limit=100", "/admin/history",
                    "/admin/budgets").stream().map(p -> java.net.URI.create("http://127.0.0.1:" + adminPort + p))
                    .toList();
            timer.scheduleAtFixedRate(() -> {
                for (java.net.URI page : pages) {
                    try {
                        int status = http.send(java.net.http.HttpRequest.newBuilder(page).build(),
                                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
                        (status == 200 ? answered : failed).incrementAndGet();
                    } catch (java.io.IOException e) {
                        failed.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }, 0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }

        long answered() {
            return answered.get();
        }

        long failed() {
            return failed.get();
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }
}
