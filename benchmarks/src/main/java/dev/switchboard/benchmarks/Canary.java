package dev.switchboard.benchmarks;

import dev.switchboard.benchmarks.load.LoadResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The {@link CanaryCommand} process, seen from the benchmark that runs it beside its load: started at the highest CPU
 * priority on the load generator's core, told to run a round as the load's round starts, read when it ends.
 */
final class Canary implements AutoCloseable {
    static final String READY = "canary ready";
    private static final String PRIORITY = "nice -n -20";
    /** Its own connections to the server, kept open across rounds. */
    static final int CONNECTIONS = 8;

    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final double rate;

    /** What a canary's round measured (milliseconds). */
    record Result(long completed, long shed, long otherErrors, double admittedP50, double admittedP99, double shedP50,
            double shedP99, double sendLagP99) {
        static Result of(LoadResult r) {
            return new Result(r.completed(), r.shed(), r.errors() - r.shed(), EndToEndBenchmark.ms(r.total(), 50),
                    EndToEndBenchmark.ms(r.total(), 99), EndToEndBenchmark.ms(r.shedTotal(), 50),
                    EndToEndBenchmark.ms(r.shedTotal(), 99), EndToEndBenchmark.ms(r.sendLag(), 99));
        }

        String line() {
            return String.format(Locale.ROOT, "result %d %d %d %.3f %.3f %.3f %.3f %.3f", completed, shed, otherErrors,
                    admittedP50, admittedP99, shedP50, shedP99, sendLagP99);
        }

        /** As the overload report shows it. */
        String describe() {
            return String.format(Locale.ROOT, "%d answered, admitted p50 %.2f / p99 %.2f ms; %d shed, shed p50 %.2f / "
                    + "**p99 %.2f ms**; %d other errors; its send lag p99 %.2f ms", completed, admittedP50, admittedP99,
                    shed, shedP50, shedP99, otherErrors, sendLagP99);
        }

        static Result parse(String line) {
            String[] p = line.trim().split("\\s+");
            if (p.length != 9 || !p[0].equals("result")) {
                throw new IllegalStateException("canary: unexpected line: " + line);
            }
            return new Result(Long.parseLong(p[1]), Long.parseLong(p[2]), Long.parseLong(p[3]),
                    Double.parseDouble(p[4]), Double.parseDouble(p[5]), Double.parseDouble(p[6]),
                    Double.parseDouble(p[7]), Double.parseDouble(p[8]));
        }
    }

    private Canary(Process process, double rate) {
        this.process = process;
        this.rate = rate;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /**
     * Starts a canary at {@code rate} requests per second against {@code port}, under {@code prefix} (the load's
     * {@code taskset}) and the highest priority, and waits until it is ready.
     */
    static Canary start(String java, List<String> prefix, int port, double rate, int promptTokens, boolean stream)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(PRIORITY.split(" ")));
        command.addAll(prefix);
        command.addAll(List.of(java, "-Xms128m", "-Xmx128m", "-XX:+UseSerialGC"));
        Path code = Path.of(Canary.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isRegularFile(code)) {
            command.addAll(List.of("-jar", code.toString())); // benchmarks.jar, with its manifest's native access
        } else { // classes of a build (the tests)
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchmarkCli.class.getName()));
        }
        command.addAll(List.of("canary", "--port", Integer.toString(port), "--model", "bench", "--prompt-tokens",
                Integer.toString(promptTokens), "--connections", Integer.toString(CONNECTIONS)));
        if (stream) {
            command.add("--stream");
        }
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Canary canary = new Canary(p, rate);
        String line;
        while ((line = canary.out.readLine()) != null && !READY.equals(line)) {
            System.err.println("canary: " + line);
        }
        if (line == null) {
            p.destroyForcibly();
            throw new IllegalStateException("canary did not start (exit " + p.waitFor() + ")");
        }
        return canary;
    }

    /** How the report names it. */
    String describe() {
        return String.format(Locale.ROOT, "canary (%s, %.0f req/s on %d connections of its own)", PRIORITY, rate,
                CONNECTIONS);
    }

    /** Starts a round of {@code length}; {@link #result} waits for it. */
    void begin(Duration length) throws Exception {
        in.write(String.format(Locale.ROOT, "run %.1f %.3f%n", rate, length.toMillis() / 1000.0));
        in.flush();
    }

    Result result() throws Exception {
        String line;
        do { // anything else it prints (a library's log line) is passed over
            line = out.readLine();
            if (line == null) {
                throw new IllegalStateException("canary ended");
            }
        } while (!line.startsWith("result ") && !line.startsWith("error:"));
        return Result.parse(line);
    }

    @Override
    public void close() throws Exception {
        try {
            in.write("quit\n");
            in.flush();
        } catch (java.io.IOException gone) {
            // ended already
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
