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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * More than the sidecar can serve: its capacity is measured closed-loop, then it is offered half of it (unloaded)
 * and {@code --overload} times it, open model, with the adaptive concurrency limit on — and, in the same rounds, a
 * sidecar without it, to show what queueing does instead. Reports what the admitted requests' latency became against
 * the unloaded one, how fast the rest were shed, and that nothing hung (every request answered).
 */
@Command(name = "overload", mixinStandardHelpOptions = true,
        description = "Offer more than the sidecar can serve; compare shedding with queueing.")
final class OverloadBenchmark implements Callable<Integer> {
    /** How long a limited sidecar's warm-up offers the overload itself, after its warm-up below capacity: at most. */
    private static final Duration OVERLOAD_WARMUP = Duration.ofSeconds(10);
    /** How long it is then offered 0.7x again, for its limit to settle before the unloaded round: at most. */
    private static final Duration SETTLE = Duration.ofSeconds(5);

    @picocli.CommandLine.Mixin
    Processes processes;

    @Option(names = "--sidecar-jvm-args", defaultValue = Workloads.SIDECAR_JVM_ARGS,
            description = "JVM flags of the sidecars (default: ${DEFAULT-VALUE}).")
    String sidecarJvmArgs;

    @Option(names = "--overload", defaultValue = "1.5", description = "Offered load as a multiple of capacity.")
    double overload;

    @Option(names = "--modes", split = ",", defaultValue = "plain,stream", description = "plain and/or stream.")
    List<String> modes;

    @Option(names = "--connections", defaultValue = "512",
            description = "Connections of the load generator (enough that requests reach the server, not a queue "
                    + "in the generator).")
    int connections;

    @Option(names = "--duration", defaultValue = "10s", description = "Length of each measured round.")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "5s", description = "Unmeasured warm-up per side; a limited sidecar's "
            + "is followed by up to 10 s at the overload offered and up to 5 s below capacity again.")
    Duration warmup;

    // The product's own defaults (initial 100, min 10, max 2000): what a user who turns the limit on gets. Until
    // 3 December this was { initial: 64, min: 32, max: 4096 }, whose floor kept 32 streams waiting on a slow model.
    @Option(names = "--limit", defaultValue = "{ limit: adaptive }",
            description = "resilience.overload of the limited sidecar (default: ${DEFAULT-VALUE}, the product's own "
                    + "initial, min and max).")
    String limit;

    @Option(names = "--prompt-tokens", defaultValue = "200", description = "Prompt size of each request. Larger "
            + "prompts cost the sidecar more (scan, count) and the load generator and the model little more, so "
            + "with two cores the sidecar, not the tools, is what saturates (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--compare-limit", description = "A second resilience.overload to compare in the same run (such as "
            + "the same limit with max-queue-delay: 0s): a third sidecar, warmed the same way, offered the same "
            + "overload right after the first, so the two rows differ by the setting and not by the machine's mood.")
    String compareLimit;

    @Option(names = "--compare-jar", description = "A previous build's switchboard.jar for the compared sidecar (with "
            + "--compare-limit's overload, or the limited sidecar's when that is not given), so two builds are "
            + "compared on the same capacity and the same minute.")
    Path compareJar;

    @Option(names = "--compare-jvm-args", description = "JVM flags of the compared sidecar (default: the same as the "
            + "others'), so two collectors or heap sizes are compared on the same capacity and the same minute.")
    String compareJvmArgs;

    @Option(names = "--keep-connections", description = "Keep each sidecar's connections open from its warm-up to "
            + "its last round, as a client's pool does, instead of opening them anew for every round (a new "
            + "connection's first requests take paths the JIT recompiles, on the sidecar's core, as the round starts).")
    boolean keepConnections;

    @Option(names = "--canary-rate", defaultValue = "200", description = "Requests per second of a canary client beside "
            + "the load on the limited sidecar, its own process at the highest CPU priority on the load's core, so its "
            + "figures are the sidecar's and the network's without the load generator's lateness; 0 for none "
            + "(default: ${DEFAULT-VALUE}).")
    double canaryRate;

    @Option(names = "--out", description = "Also write the report (markdown) to this file.")
    Path out;

    @Option(names = "--pin", description = "CPUs for the sidecars (such as 0): they run there under taskset, the model "
            + "server and this load generator on the other CPUs, so shed answers are not queued behind the load.")
    String pin;

    @Override
    public Integer call() throws Exception {
        List<String> report = new ArrayList<>();
        Pinning pinning = pin == null ? null : Pinning.of(pin);
        if (pinning != null) {
            pinning.pinThisProcess();
            report.add("pinned: " + pinning.describe().replace("sidecar and nginx", "sidecars") + "\n");
        }
        List<String> modelPrefix = pinning == null ? List.of() : pinning.modelPrefix();
        List<String> proxyPrefix = pinning == null ? List.of() : pinning.proxyPrefix();
        try (ManagedProcess backend = processes.start("backend", modelPrefix, Workloads.MODEL_JVM,
                Workloads.benchModel(16))) {
            Path shedding = config(backend.port(), limit);
            Path queueing = config(backend.port(), "{ limit: off }");
            Path compared = comparedOverload() == null ? null : config(backend.port(), comparedOverload());
            try (ManagedProcess limited = processes.start("sidecar-limited", proxyPrefix,
                    Processes.flags(sidecarJvmArgs), List.of("serve", "--config", shedding.toString()));
                 ManagedProcess unlimited = processes.start("sidecar-unlimited", proxyPrefix,
                         Processes.flags(sidecarJvmArgs), List.of("serve", "--config", queueing.toString()));
                 ManagedProcess other = compared == null ? null : ManagedProcess.start("sidecar-compared",
                         proxyPrefix, processes.java,
                         Processes.flags(compareJvmArgs != null ? compareJvmArgs : sidecarJvmArgs),
                         compareJar != null ? compareJar : processes.jar,
                         List.of("serve", "--config", compared.toString()))) {
                report.add(String.format(Locale.ROOT, "# overload: %.1fx capacity, %d connections, rounds of %s, "
                        + "prompts of %d tokens; limited sidecar: overload %s%n%s", overload, connections, duration,
                        promptTokens, limit, keepConnections ? "connections kept from the warm-up to the last round\n"
                        : ""));
                for (String mode : modes) {
                    boolean stream = mode.equals("stream");
                    try (Canary canary = canaryRate <= 0 ? null : Canary.start(processes.java, modelPrefix,
                            limited.port(), canaryRate, promptTokens, stream)) {
                        report.add(run(stream, limited, unlimited, other, canary));
                    }
                }
            } finally {
                Files.deleteIfExists(shedding);
                Files.deleteIfExists(queueing);
                if (compared != null) {
                    Files.deleteIfExists(compared);
                }
            }
        }
        String text = String.join("\n", report);
        System.out.println(text);
        if (out != null) {
            Files.writeString(out, text);
        }
        return 0;
    }

    /** The compared sidecar's {@code resilience.overload}, or null when there is no compared sidecar. */
    private String comparedOverload() {
        return compareLimit != null ? compareLimit : compareJar != null || compareJvmArgs != null ? limit : null;
    }

    private static Path config(int backendPort, String overload) throws Exception {
        return Workloads.benchConfig(backendPort, "", "resilience:\n  overload: " + overload + "\n");
    }

    private String run(boolean stream, ManagedProcess limited, ManagedProcess unlimited, ManagedProcess other,
            Canary canary) throws Exception {
        LoadGenerator.Workload work = Workloads.chat("bench", promptTokens, stream);
        try (LoadGenerator toLimited = new LoadGenerator("127.0.0.1", limited.port(), keepConnections);
             LoadGenerator toUnlimited = new LoadGenerator("127.0.0.1", unlimited.port(), keepConnections)) {
            toUnlimited.run(work, 0, 64, warmup);
            // What the sidecar can relay, measured where nothing is shed: the limited one sheds in a closed loop too
            // (its event loop is busy by construction), so its successes would understate the capacity.
            double capacity = toUnlimited.run(work, 0, 64, duration).throughput();
            // The limited one is warmed below its capacity, so what gets compiled is the path of admitted requests
            // (warmed closed-loop it would mostly shed, and compile its whole path during the rounds measured), then
            // through its overload path as well (see warmUp). The canary, if any, runs beside each round of the
            // limited sidecar, its warm-up too.
            warmUp(toLimited, work, capacity, limited.adminPort(), canary);
            Reading beforeCalm = Reading.of(limited.adminPort());
            beginCanary(canary, duration);
            LoadResult calm = toLimited.run(work, capacity * 0.5, connections, duration);
            Canary.Result canaryCalm = canaryResult(canary);
            Reading afterCalm = Reading.of(limited.adminPort());
            beginCanary(canary, duration);
            LoadResult shed = toLimited.run(work, capacity * overload, connections, duration);
            Canary.Result canaryShed = canaryResult(canary);
            Reading afterShed = Reading.of(limited.adminPort());
            LoadResult compared = null; // right after the first, on the machine as it is now
            LoadResult comparedCalm = null;
            String comparedScopes = null;
            if (other != null) {
                try (LoadGenerator toOther = new LoadGenerator("127.0.0.1", other.port(), keepConnections)) {
                    warmUp(toOther, work, capacity, other.adminPort(), null);
                    ShedScopes before = ShedScopes.read(other.adminPort());
                    comparedCalm = toOther.run(work, capacity * 0.5, connections, duration);
                    ShedScopes afterOtherCalm = ShedScopes.read(other.adminPort());
                    compared = toOther.run(work, capacity * overload, connections, duration);
                    comparedScopes = "unloaded: " + ShedScopes.between(before, afterOtherCalm) + "; "
                            + String.format(Locale.ROOT, "%.1fx: ", overload)
                            + ShedScopes.between(afterOtherCalm, ShedScopes.read(other.adminPort()));
                }
            }
            LoadResult queued = toUnlimited.run(work, capacity * overload, connections, duration);
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%n## %s: capacity %.0f req/s "
                    + "(closed loop, 64 connections); offered %.0f req/s%n%n", stream ? "stream" : "plain", capacity,
                    capacity * overload));
            sb.append("| run | offered req/s | answered 2xx | shed (503) | other errors | admitted p50 ms | admitted p99 ms"
                    + " | admitted first byte p99 ms | shed p50 ms | shed p99 ms | shed p99 from send ms | generator send lag p99 ms |"
                    + "\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            sb.append(row("unloaded (0.5x), limit on", capacity * 0.5, calm));
            sb.append(row(String.format(Locale.ROOT, "%.1fx, limit on (shedding)", overload), capacity * overload,
                    shed));
            sb.append(row(String.format(Locale.ROOT, "%.1fx, limit off (queueing)", overload), capacity * overload,
                    queued));
            if (compared != null) {
                String what = comparedOverload() + (compareJar == null ? "" : " (" + compareJar.getFileName() + ")")
                        + (compareJvmArgs == null ? "" : " (" + compareJvmArgs + ")");
                sb.append(row("unloaded (0.5x), compared: " + what, capacity * 0.5, comparedCalm));
                sb.append(row(String.format(Locale.ROOT, "%.1fx, compared: %s", overload, what), capacity * overload,
                        compared));
            }
            double calmP99 = EndToEndBenchmark.ms(calm.total(), 99);
            double shedP99 = EndToEndBenchmark.ms(shed.total(), 99);
            sb.append(String.format(Locale.ROOT, "%nadmitted p99 under overload / unloaded p99: **%.2f** (target "
                    + "<= 2); shed p99 **%.2f ms** (target < 5); a round ends only when every request it sent was "
                    + "answered or its connection failed (connection failures count as other errors)%n",
                    shedP99 / calmP99, EndToEndBenchmark.ms(shed.shedTotal(), 99)));
            if (canary != null) {
                sb.append(String.format(Locale.ROOT, "%n%s, beside the limited sidecar's rounds: unloaded %s; "
                        + "%.1fx %s%n", canary.describe(), canaryCalm.describe(), overload, canaryShed.describe()));
            }
            // Which part shed (the sidecar's own count, by scope): the edge at the headers, or a limit.
            sb.append(String.format(Locale.ROOT, "%nshed by scope: unloaded: %s; %.1fx: %s%s%n",
                    ShedScopes.between(beforeCalm.scopes(), afterCalm.scopes()), overload,
                    ShedScopes.between(afterCalm.scopes(), afterShed.scopes()),
                    comparedScopes == null ? "" : "; compared (" + comparedScopes + ")"));
            // Who took the time: the sidecar's loop (what a request waits in its socket), the model on the other core.
            sb.append(String.format(Locale.ROOT, "%nwhere the time went (limited sidecar's histograms, p50 / p99 / "
                    + "p99.9 bucket bounds in ms): its event loop's delay, the wait before it reads a request "
                    + "(`%s`): unloaded %s, %.1fx %s; the model server's time to first token, on the load generator's "
                    + "core (`%s`): unloaded %s, %.1fx %s%n", HistogramReading.LOOP_DELAY,
                    percentiles(beforeCalm.loop(), afterCalm.loop()), overload,
                    percentiles(afterCalm.loop(), afterShed.loop()), HistogramReading.BACKEND_FIRST_TOKEN,
                    percentiles(beforeCalm.firstToken(), afterCalm.firstToken()), overload,
                    percentiles(afterCalm.firstToken(), afterShed.firstToken())));
            System.out.println(sb);
            return sb.toString();
        }
    }

    /** The overload part of a warm-up: {@link #OVERLOAD_WARMUP}, or {@code --warmup} when that is shorter. */
    private Duration overloadWarmup() {
        return warmup.compareTo(OVERLOAD_WARMUP) < 0 ? warmup : OVERLOAD_WARMUP;
    }

    /** The settling part of a warm-up: {@link #SETTLE}, or half of {@code --warmup} when that is shorter. */
    private Duration settle() {
        Duration half = warmup.dividedBy(2);
        return half.compareTo(SETTLE) < 0 ? half : SETTLE;
    }

    /**
     * Warms a limited sidecar below its capacity (the admitted path), then at the overload offered (the paths that
     * shed: the edge's and the limit's, which nothing below capacity runs), then below capacity again. Without the
     * middle part the JIT would compile the shedding paths in the first seconds of the overload round, on the
     * sidecar's core. The sidecar's metrics are read once before the last part, as the rounds read them: the
     * reading's connection is the first one the sidecar accepts after its load's connections, and the JIT recompiles
     * the hot paths it had specialised for traffic on open connections — 1.2-1.7 s of C2 on the sidecar's core right
     * after the first reading (schedstat; BENCHMARKS.md section 7), which without this fell in a measured round.
     * The canary, when there is one, runs beside all of it.
     */
    private void warmUp(LoadGenerator to, LoadGenerator.Workload work, double capacity, int adminPort, Canary canary)
            throws Exception {
        if (warmup.isZero()) {
            return; // asked for none: the rounds are measured cold
        }
        Duration overloaded = overloadWarmup();
        Duration settling = settle();
        beginCanary(canary, warmup.plus(overloaded).plus(settling)); // beside the whole warm-up
        to.run(work, capacity * 0.7, connections, warmup);
        to.run(work, capacity * overload, connections, overloaded);
        ShedScopes.metrics(adminPort);
        to.run(work, capacity * 0.7, connections, settling);
        canaryResult(canary);
    }

    private static void beginCanary(Canary canary, Duration length) throws Exception {
        if (canary != null) {
            canary.begin(length);
        }
    }

    private static Canary.Result canaryResult(Canary canary) throws Exception {
        return canary == null ? null : canary.result();
    }

    /**
     * What the report reads of a sidecar at one moment, from one fetch of its metrics: its sheds by scope and the two
     * histograms that split a client's timing (each null when the metrics could not be read; the report says so).
     */
    private record Reading(ShedScopes scopes, HistogramReading loop, HistogramReading firstToken) {
        static Reading of(int adminPort) {
            String metrics = ShedScopes.metrics(adminPort);
            return metrics == null ? new Reading(null, null, null) : new Reading(ShedScopes.parse(metrics),
                    HistogramReading.parse(metrics, HistogramReading.LOOP_DELAY),
                    HistogramReading.parse(metrics, HistogramReading.BACKEND_FIRST_TOKEN));
        }
    }

    /** {@code ≤ 0.25 / ≤ 10 / ≤ 20 (6,572 samples)}: p50, p99 and p99.9 between two readings. */
    private static String percentiles(HistogramReading before, HistogramReading after) {
        return HistogramReading.bound(before, after, 50) + " / " + HistogramReading.bound(before, after, 99) + " / "
                + HistogramReading.between(before, after, 99.9);
    }

    private static String row(String run, double offered, LoadResult r) {
        return String.format(Locale.ROOT, "| %s | %.0f | %d | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |%n", run,
                offered, r.completed(), r.shed(), r.errors() - r.shed(), EndToEndBenchmark.ms(r.total(), 50),
                EndToEndBenchmark.ms(r.total(), 99), EndToEndBenchmark.ms(r.firstByte(), 99),
                EndToEndBenchmark.ms(r.shedTotal(), 50), EndToEndBenchmark.ms(r.shedTotal(), 99),
                EndToEndBenchmark.ms(r.shedFromSend(), 99), EndToEndBenchmark.ms(r.sendLag(), 99));
    }
}
