package dev.switchboard.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * CPU a process (and its children: nginx's workers) has used, from {@code /proc/PID/stat} (user plus system time,
 * every thread, living or ended), in microseconds. Linux only; elsewhere it reads 0 and the report says n/a.
 */
final class CpuTime {
    /** Clock ticks per second of {@code /proc}'s times ({@code getconf CLK_TCK}; 100 on every Linux we met). */
    private static final long TICKS_PER_SECOND = ticksPerSecond();

    private CpuTime() {
    }

    /** Whether this machine can tell (a {@code /proc} file system). */
    static boolean available() {
        return Files.isReadable(Path.of("/proc/self/stat"));
    }

    /** CPU used so far by the process and its descendants, in microseconds (0 when unknown). */
    static long micros(long pid) {
        long ticks = ticks(pid);
        try (Stream<ProcessHandle> children = ProcessHandle.of(pid).map(ProcessHandle::descendants)
                .orElseGet(Stream::empty)) {
            ticks += children.mapToLong(c -> ticks(c.pid())).sum();
        }
        return ticks * 1_000_000 / TICKS_PER_SECOND;
    }

    private static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // The name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime: fields 14 and 15
        } catch (IOException | RuntimeException e) {
            return 0; // gone, or not Linux
        }
    }

    private static long ticksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return Long.parseLong(out);
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
