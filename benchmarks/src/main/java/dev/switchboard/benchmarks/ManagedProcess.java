package dev.switchboard.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM the benchmark starts (the simulated backend, the sidecar), kept apart from the load generator so their
 * garbage collectors and JIT do not share a heap. Knows its pid, its port and how long it took to be ready.
 */
public final class ManagedProcess implements AutoCloseable {
    private static final Pattern PORT = Pattern.compile("listening (?:on |at http://)[0-9.]+:(\\d+)");
    /** The sidecar's admin port, on its banner line ({@code admin and console 127.0.0.1:PORT}). */
    private static final Pattern ADMIN = Pattern.compile("admin and console [0-9.]+:(\\d+)");

    private final String name;
    private final Process process;
    private final int port;
    private final Duration startToReady;

    /** Leak reports ({@code LEAK:}) counted by the thread that reads the process's output. */
    private final java.util.concurrent.atomic.AtomicLong leaks;

    private ManagedProcess(String name, Process process, int port, Duration startToReady,
            java.util.concurrent.atomic.AtomicLong leaks) {
        this.leaks = leaks;
        this.name = name;
        this.process = process;
        this.port = port;
        this.startToReady = startToReady;
    }

    /** Starts {@code java [jvmArgs] -jar jar args...} and waits for its "listening" line. */
    public static ManagedProcess start(String name, String java, List<String> jvmArgs, Path jar, List<String> args)
            throws Exception {
        return start(name, List.of(), java, jvmArgs, jar, args);
    }

    /** As above, under a command prefix ({@code taskset -c 0}). */
    public static ManagedProcess start(String name, List<String> prefix, String java, List<String> jvmArgs, Path jar,
            List<String> args) throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.add(java);
        command.addAll(jvmArgs);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(args);
        long t0 = System.nanoTime();
        java.util.concurrent.atomic.AtomicLong leaks = new java.util.concurrent.atomic.AtomicLong();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicInteger admin = new java.util.concurrent.atomic.AtomicInteger();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    Matcher m = PORT.matcher(line);
                    if (line.contains("LEAK:")) {
                        leaks.incrementAndGet(); // Netty's leak detector reports a buffer never released
                    }
                    if (!port.isDone() && m.find()) {
                        Matcher a = ADMIN.matcher(line);
                        if (a.find()) {
                            admin.set(Integer.parseInt(a.group(1)));
                        }
                        port.complete(Integer.parseInt(m.group(1)));
                    } else if (line.contains("ERROR") || line.contains("Exception")) {
                        System.err.println("[" + name + "] " + line);
                    }
                }
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
            port.completeExceptionally(new IllegalStateException(name + " exited before it was ready"));
        }, name + "-stdout");
        reader.setDaemon(true);
        reader.start();
        int bound = port.get(30, TimeUnit.SECONDS);
        ManagedProcess started = new ManagedProcess(name, p, bound, Duration.ofNanos(System.nanoTime() - t0), leaks);
        started.adminPort = admin.get();
        return started;
    }

    /** Leak reports ({@code LEAK:}) the process printed so far: run it with a leak detection level to get them. */
    public long leakReports() {
        return leaks.get();
    }

    /** Stops it at once, as a crash would (SIGKILL). */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public int port() {
        return port;
    }

    private int adminPort;

    /** A sidecar's admin port, from its banner; 0 for another process. */
    public int adminPort() {
        return adminPort;
    }

    public long pid() {
        return process.pid();
    }

    /** From {@code exec} to the "listening" line: JVM start, config load, bind. */
    public Duration startToReady() {
        return startToReady;
    }

    /** Resident set size, from {@code /proc}. */
    public long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /** Java heap in use (survivors, eden, old), from {@code jstat -gc}; -1 when jstat is unavailable. */
    public long heapUsedBytes() {
        return jstatSum(Set.of("S0U", "S1U", "EU", "OU"));
    }

    /** The sum of some {@code jstat -gc} columns (KB), in bytes; -1 when jstat is unavailable. */
    private long jstatSum(Set<String> columns) {
        Path jstat = Path.of(System.getProperty("java.home"), "bin", "jstat");
        try {
            Process p = new ProcessBuilder(jstat.toString(), "-gc", Long.toString(pid())).redirectErrorStream(true)
                    .start();
            List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .toList();
            p.waitFor(10, TimeUnit.SECONDS);
            if (lines.size() < 2) {
                return -1;
            }
            String[] names = lines.get(0).trim().split("\\s+");
            String[] values = lines.get(1).trim().split("\\s+");
            double kb = 0;
            for (int i = 0; i < names.length && i < values.length; i++) {
                if (columns.contains(names[i])) {
                    kb += Double.parseDouble(values[i]);
                }
            }
            return (long) (kb * 1024);
        } catch (IOException | NumberFormatException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * The heap the process keeps alive: a full collection asked for with {@code jcmd GC.run} (which returns once it
     * is done), then the old generation and the survivor spaces in use. Not eden: jstat starts a JVM of its own
     * after the collection, and what the process allocates meanwhile (tens of MB at a hundred requests a second
     * with paranoid leak detection) lands there, not in what the collection kept. Unlike a sample of the heap in
     * use — garbage included, by how long since the last collection of each generation — this moves only when what
     * the process holds does; -1 when jcmd or jstat is unavailable. A full collection pauses the process: for a few
     * checkpoints, not for sampling.
     */
    public long liveHeapBytes() {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), "GC.run").redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return -1;
            }
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
        return jstatSum(Set.of("S0U", "S1U", "OU"));
    }

    /** Live threads of the process, from {@code /proc}. */
    public long threads() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (line.startsWith("Threads:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    public String name() {
        return name;
    }

    @Override
    public void close() {
        stop(process);
    }

    /** Asks a process to stop (SIGTERM), and kills it if it has not within 10 s. */
    static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
