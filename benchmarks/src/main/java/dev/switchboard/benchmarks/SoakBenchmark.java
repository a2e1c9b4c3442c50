package dev.switchboard.benchmarks;

import dev.switchboard.benchmarks.load.LoadGenerator;
import dev.switchboard.benchmarks.load.LoadResult;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A long run under everything at once: calls and streams at a steady rate, an in-house backend that crashes and comes
 * back, clients that leave mid-stream, and a config reload every minute — with the sidecar's memory, heap, threads and
 * Netty's leak reports (paranoid detection) sampled throughout. What it shows: flat memory after warm-up, no leaked
 * buffer, no thread growth, and exactly the errors the faults explain.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, description = "A long run with faults; memory sampled.")
final class SoakBenchmark implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    Processes processes;

    @Option(names = "--duration", defaultValue = "30m", description = "Length of the run.")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "3m", description = "Left out of the flatness check.")
    Duration warmup;

    @Option(names = "--rate", defaultValue = "100", description = "Requests per second (calls and streams in turn).")
    double rate;

    @Option(names = "--sample", defaultValue = "10s", description = "How often memory is sampled.")
    Duration sample;

    @Option(names = "--flap-every", defaultValue = "4m", description = "The in-house backend crashes this often...")
    Duration flapEvery;

    @Option(names = "--flap-for", defaultValue = "20s", description = "...and is back after this long.")
    Duration flapFor;

    @Option(names = "--reload-every", defaultValue = "1m", description = "How often the config file changes.")
    Duration reloadEvery;

    @Option(names = "--leaving-clients", defaultValue = "2", description = "Streams per second whose client leaves "
            + "after the first bytes.")
    double leaving;

    @Option(names = "--out", description = "Also write the report (markdown) to this file.")
    Path out;

    @Option(names = "--svg", description = "Write the memory plot (SVG) to this file.")
    Path svg;

    /** One sample of the sidecar. */
    record Sample(double seconds, long rssBytes, long heapBytes, long threads) {
    }

    /** The heap the sidecar kept alive at a checkpoint: in use right after a full collection. */
    record LiveHeap(double seconds, long bytes) {
    }

    /** What the run found. */
    /**
     * @param streamCuts     streams the sidecar recorded as cut ({@code stream_cut})
     * @param faultsInjected streams open on the in-house backend when it was killed, read from it just before each
     *                       kill: the ground truth of what the crashes cut (a stream may start or end in the moment
     *                       between the read and the kill)
     */
    record Outcome(List<Sample> samples, LoadResult load, long flaps, long reloads, long leavers, long leaks,
            long streamCuts, long clientErrors, long faultsInjected, List<LiveHeap> live) {
    }

    @Override
    public Integer call() throws Exception {
        Outcome o = run();
        String text = report(o);
        System.out.println(text);
        if (out != null) {
            Files.writeString(out, text);
        }
        if (svg != null) {
            Files.writeString(svg, plot(o.samples()));
        }
        return 0;
    }

    Outcome run() throws Exception {
        int inhousePort = freePort();
        int adminPort = freePort();
        List<String> backendJvm = List.of("-Xms128m", "-Xmx128m", "-XX:+UseSerialGC");
        List<String> inhouseArgs = List.of("mock-model", "--port", Integer.toString(inhousePort), "--model", "small",
                "--response-tokens", "24", "--tokens-per-second", "200");
        Path config = Files.createTempFile("switchboard-soak", ".yaml");
        AtomicReference<ManagedProcess> inhouse = new AtomicReference<>(processes.start("inhouse", backendJvm,
                inhouseArgs));
        ScheduledExecutorService faults = Executors.newScheduledThreadPool(3); // a flap sleeps on one
        try (ManagedProcess hosted = processes.start("hosted", backendJvm, List.of("mock-model", "--port", "0",
                "--model", "big", "--response-tokens", "24", "--tokens-per-second", "200"))) {
            writeConfig(config, hosted.port(), inhousePort, adminPort, 0);
            // The heap is touched at start (AlwaysPreTouch): without it the resident set grows for the first
            // twenty minutes as the old generation first touches its pages — 277 to 392 MB with a flat heap in use,
            // then level — which is the heap being committed, not a leak, and would hide one that is.
            try (ManagedProcess sidecar = processes.start("sidecar", List.of("-Xms256m", "-Xmx256m",
                    "-XX:+UseParallelGC", "-XX:+AlwaysPreTouch", Workloads.METASPACE,
                    "-Dio.netty.leakDetection.level=paranoid"),
                    List.of("serve", "--config",
                    config.toString()))) {
                List<Sample> samples = java.util.Collections.synchronizedList(new ArrayList<>());
                long t0 = System.nanoTime();
                AtomicLong flaps = new AtomicLong();
                AtomicLong cutByCrashes = new AtomicLong(); // the faults injected, as the backend counts them
                AtomicLong reloads = new AtomicLong();
                AtomicLong leavers = new AtomicLong();
                faults.scheduleAtFixedRate(() -> samples.add(new Sample((System.nanoTime() - t0) / 1e9,
                        sidecar.rssBytes(), sidecar.heapUsedBytes(), sidecar.threads())), 0, sample.toMillis(),
                        TimeUnit.MILLISECONDS);
                // The heap in use is a collector's sawtooth: with ParallelGC the old generation only shrinks at a
                // full collection, so its samples climb for as long as objects get promoted and fall at the next one
                // (a 30-minute run once read +22.8% between its windows for a live set that had not grown). What the
                // sidecar holds is read at the edges of the first and the last window instead, after a full
                // collection each: four pauses in a run.
                double[] checkpoints = checkpoints();
                List<LiveHeap> live = java.util.Collections.synchronizedList(new ArrayList<>());
                java.util.concurrent.CountDownLatch liveRead =
                        new java.util.concurrent.CountDownLatch(checkpoints.length);
                for (double at : checkpoints) {
                    faults.schedule(() -> {
                        live.add(new LiveHeap((System.nanoTime() - t0) / 1e9, sidecar.liveHeapBytes()));
                        liveRead.countDown();
                    }, (long) (at * 1000), TimeUnit.MILLISECONDS);
                }
                faults.scheduleAtFixedRate(() -> {
                    try {
                        cutByCrashes.addAndGet(openStreams(inhouse.get().port())); // what the crash will cut
                        inhouse.get().kill(); // a crash: streams on it are cut, calls fail over
                        flaps.incrementAndGet();
                        Thread.sleep(flapFor.toMillis());
                        inhouse.set(processes.start("inhouse", backendJvm, inhouseArgs));
                    } catch (Exception e) {
                        System.err.println("flap failed: " + e);
                    }
                }, flapEvery.toMillis(), flapEvery.toMillis(), TimeUnit.MILLISECONDS);
                faults.scheduleAtFixedRate(() -> {
                    try {
                        writeConfig(config, hosted.port(), inhousePort, adminPort, reloads.incrementAndGet());
                    } catch (Exception e) {
                        System.err.println("reload failed: " + e);
                    }
                }, reloadEvery.toMillis(), reloadEvery.toMillis(), TimeUnit.MILLISECONDS);
                faults.scheduleAtFixedRate(() -> {
                    if (leaveMidStream(sidecar.port())) {
                        leavers.incrementAndGet();
                    }
                }, 0, (long) (1000 / leaving), TimeUnit.MILLISECONDS);
                LoadResult load = LoadResult.empty();
                // Its connections stay open for the whole run, as a client's pool does: what the sidecar keeps per
                // connection grows where the samples see it (each round's own connections, closed after it, once
                // hid a listener left on the connection for every stream it had served).
                try (LoadGenerator gen = new LoadGenerator("127.0.0.1", sidecar.port(), true)) {
                    boolean stream = false;
                    while (System.nanoTime() - t0 < duration.toNanos()) {
                        load = load.plus(gen.run(Workloads.chat("chat", 100, stream), rate, 64,
                                Duration.ofSeconds(10)));
                        stream = !stream;
                    }
                }
                liveRead.await(30, TimeUnit.SECONDS); // the last checkpoint falls at the end: wait for its reading
                faults.shutdownNow();
                faults.awaitTermination(30, TimeUnit.SECONDS);
                String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + adminPort + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                long cuts = sum(metrics, "gen_ai_client_operation_duration_seconds_count\\{[^}]*outcome=\"stream_cut\"");
                return new Outcome(List.copyOf(samples), load, flaps.get(), reloads.get(), leavers.get(),
                        sidecar.leakReports(), cuts, load.errors(), cutByCrashes.get(), List.copyOf(live));
            }
        } finally {
            faults.shutdownNow();
            inhouse.get().close();
            Files.deleteIfExists(config);
        }
    }

    private static long sum(String metrics, String pattern) {
        Matcher m = Pattern.compile("(?m)^" + pattern + "[^ ]* ([0-9.eE+]+)$").matcher(metrics);
        double total = 0;
        while (m.find()) {
            total += Double.parseDouble(m.group(1));
        }
        return (long) total;
    }

    /** Opens a stream through the sidecar, reads its first bytes, and leaves. */
    private static boolean leaveMidStream(int port) {
        String body = "{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return in.read(new byte[256]) > 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static void writeConfig(Path config, int hostedPort, int inhousePort, int adminPort, long version)
            throws Exception {
        Path tmp = config.resolveSibling(config.getFileName() + ".tmp");
        Files.writeString(tmp, """
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:%d, auth: { mode: open } }
                backends:
                  - { name: inhouse, base-url: "http://127.0.0.1:%d/v1", model: small, residency: internal,
                      limits: { connect-timeout: 500ms } }
                  - { name: hosted, base-url: "http://127.0.0.1:%d/v1", model: big, residency: external }
                routes:
                  - name: chat
                    rules: [ { use: [inhouse, hosted], reason: "soak config %d" } ]
                resilience:
                  retry: { attempts: 1 }
                """.formatted(adminPort, inhousePort, hostedPort, version));
        Files.move(tmp, config, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The streams a backend has open now ({@code GET /__stats} of the testkit model); 0 if it cannot say. */
    private static long openStreams(int port) {
        try {
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/__stats"))
                            .timeout(java.time.Duration.ofSeconds(2)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).path("open_streams").asLong();
        } catch (Exception e) {
            System.err.println("could not read the backend's open streams: " + e);
            return 0;
        }
    }

    /** The first and the last window after warm-up: ten minutes each on a 30-minute run, a third of it if shorter. */
    private double window() {
        return Math.min(600, (duration.toNanos() - warmup.toNanos()) / 1e9 / 3);
    }

    /** When the live heap is read (seconds from the start): the edges of the first and the last window. */
    double[] checkpoints() {
        double start = warmup.toNanos() / 1e9;
        double end = duration.toNanos() / 1e9;
        // The last a little before the end, while the load still runs, as the others are read.
        return new double[] {start, start + window(), end - window(), end - Math.min(5, window() / 10)};
    }

    /** The mean of a quantity over samples in [from, to) seconds. */
    private static double mean(List<Sample> samples, double from, double to,
            java.util.function.ToLongFunction<Sample> f) {
        return samples.stream().filter(s -> s.seconds() >= from && s.seconds() < to).mapToLong(f).average()
                .orElse(Double.NaN);
    }

    String report(Outcome o) {
        double end = duration.toNanos() / 1e9;
        double start = warmup.toNanos() / 1e9;
        double window = window();
        double rssFirst = mean(o.samples(), start, start + window, Sample::rssBytes);
        double rssLast = mean(o.samples(), end - window, end + 1, Sample::rssBytes);
        double heapFirst = mean(o.samples(), start, start + window, Sample::heapBytes);
        double heapLast = mean(o.samples(), end - window, end + 1, Sample::heapBytes);
        long threadsFirst = o.samples().stream().filter(s -> s.seconds() >= start).mapToLong(Sample::threads)
                .min().orElse(-1);
        long threadsMax = o.samples().stream().filter(s -> s.seconds() >= start).mapToLong(Sample::threads)
                .max().orElse(-1);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "# soak: %s at %.0f req/s (calls and streams "
                + "in turn), in-house backend crashed every %s for %s, config reloaded every %s, %.1f clients/s "
                + "leaving mid-stream; warm-up %s%n%n", duration, rate, flapEvery, flapFor, reloadEvery, leaving,
                warmup));
        sb.append("| measure | value |\n|---|---|\n");
        sb.append(String.format(Locale.ROOT, "| requests answered / errors | %d / %d |%n", o.load().completed(),
                o.clientErrors()));
        sb.append(String.format(Locale.ROOT, "| streams open on the backend when it was killed (faults injected) | %d |%n",
                o.faultsInjected()));
        sb.append(String.format(Locale.ROOT, "| streams cut by a crash (sidecar's count) | %d |%n", o.streamCuts()));
        sb.append(String.format(Locale.ROOT, "| backend crashes / config reloads / clients that left | %d / %d / %d |%n",
                o.flaps(), o.reloads(), o.leavers()));
        sb.append(String.format(Locale.ROOT, "| Netty leak reports (paranoid) | %d |%n", o.leaks()));
        sb.append(String.format(Locale.ROOT, "| RSS, first vs last %.0f s after warm-up | %.1f MB vs %.1f MB (%+.1f%%) |%n",
                window, rssFirst / 1e6, rssLast / 1e6, (rssLast / rssFirst - 1) * 100));
        sb.append(String.format(Locale.ROOT, "| heap used (sampled, garbage included), first vs last %.0f s after "
                + "warm-up | %.1f MB vs %.1f MB (%+.1f%%) |%n", window, heapFirst / 1e6, heapLast / 1e6,
                (heapLast / heapFirst - 1) * 100));
        sb.append(liveRow(o.live()));
        sb.append(String.format(Locale.ROOT, "| threads after warm-up, min / max | %d / %d |%n", threadsFirst,
                threadsMax));
        sb.append(String.format(Locale.ROOT, "| latency p50 / p99 (all answered) | %.2f ms / %.2f ms |%n",
                EndToEndBenchmark.ms(o.load().total(), 50), EndToEndBenchmark.ms(o.load().total(), 99)));
        return sb.toString();
    }

    /** The live heap at the four checkpoints, and the first window's against the last's (the mean of its two). */
    static String liveRow(List<LiveHeap> live) {
        if (live.size() < 4 || live.stream().anyMatch(l -> l.bytes() < 0)) {
            return "| live heap after a full collection | not read (" + live.size() + " of 4 checkpoints) |\n";
        }
        double first = (live.get(0).bytes() + live.get(1).bytes()) / 2.0;
        double last = (live.get(2).bytes() + live.get(3).bytes()) / 2.0;
        return String.format(Locale.ROOT, "| live heap after a full collection, at %.0f / %.0f / %.0f / %.0f s | "
                + "%.1f / %.1f / %.1f / %.1f MB: first vs last window %.1f MB vs %.1f MB (**%+.1f%%**) |%n",
                live.get(0).seconds(), live.get(1).seconds(), live.get(2).seconds(), live.get(3).seconds(),
                live.get(0).bytes() / 1e6, live.get(1).bytes() / 1e6, live.get(2).bytes() / 1e6,
                live.get(3).bytes() / 1e6, first / 1e6, last / 1e6, (last / first - 1) * 100);
    }

    /** RSS and heap (MB) and threads over time, as one small SVG. */
    static String plot(List<Sample> samples) {
        int w = 800;
        int h = 300;
        double tMax = samples.stream().mapToDouble(Sample::seconds).max().orElse(1);
        double mbMax = samples.stream().mapToLong(s -> Math.max(s.rssBytes(), s.heapBytes())).max().orElse(1) / 1e6;
        double thMax = samples.stream().mapToLong(Sample::threads).max().orElse(1);
        StringBuilder rss = new StringBuilder();
        StringBuilder heap = new StringBuilder();
        StringBuilder threads = new StringBuilder();
        for (Sample s : samples) {
            double x = 50 + s.seconds() / tMax * (w - 100);
            rss.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, h - 30 - s.rssBytes() / 1e6 / mbMax * (h - 60)));
            heap.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, h - 30 - s.heapBytes() / 1e6 / mbMax * (h - 60)));
            threads.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, h - 30 - s.threads() / thMax * (h - 60)));
        }
        return String.format(Locale.ROOT, """
                <svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">
                  <rect width="100%%" height="100%%" fill="white"/>
                  <line x1="50" y1="%d" x2="%d" y2="%d" stroke="black"/>
                  <line x1="50" y1="30" x2="50" y2="%d" stroke="black"/>
                  <text x="55" y="20">RSS (blue) and heap used (orange), MB, 0 to %.0f; threads (grey), 0 to %.0f</text>
                  <text x="%d" y="%d">%.0f s</text>
                  <polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="%s"/>
                  <polyline fill="none" stroke="#ff7f0e" stroke-width="1" points="%s"/>
                  <polyline fill="none" stroke="#999999" stroke-width="1" points="%s"/>
                </svg>
                """, w, h, h - 30, w - 50, h - 30, h - 30, mbMax, thMax, w - 90, h - 10, tMax, rss, heap, threads);
    }
}
