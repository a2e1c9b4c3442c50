package dev.switchboard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code e2e --pin}: the proxies on their own CPU, the model and the load on the others, and the CPU each proxy
 * spends per request read from /proc. Run in a child JVM, since pinning moves the whole process's threads.
 */
class PinnedEndToEndTest {
    @TempDir
    Path dir;

    @Test
    void aCpuListLeavesTheRestToTheModelAndTheLoad() {
        Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "needs two CPUs");
        Pinning p = Pinning.of("0");
        assertThat(p.proxyPrefix()).containsExactly("taskset", "-c", "0");
        assertThat(p.modelPrefix().get(2)).doesNotContain("0").isNotEmpty();
        assertThat(p.proxyCpus()).isEqualTo(1);
        assertThatThrownBy(() -> Pinning.of("0-" + (Runtime.getRuntime().availableProcessors() - 1)))
                .hasMessageContaining("leaves no CPU");
        assertThatThrownBy(() -> Pinning.of("999")).hasMessageContaining("CPU 999 is not available");
    }

    @Test
    void cpuTimeGrowsWithWorkDone() throws Exception {
        Assumptions.assumeTrue(CpuTime.available(), "no /proc here");
        long pid = ProcessHandle.current().pid();
        long before = CpuTime.micros(pid);
        // Work until this thread has had 0.3 s of CPU, however long a loaded machine takes to give it: a wall-clock
        // spin on a shared machine may get half of that.
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long spin = threads.getCurrentThreadCpuTime() + 300_000_000L;
        long x = 0;
        while (threads.getCurrentThreadCpuTime() < spin) {
            x += Long.numberOfTrailingZeros(x + System.nanoTime());
        }
        assertThat(x).isNotNegative();
        assertThat(CpuTime.micros(pid) - before).isGreaterThan(200_000); // 0.3 s of one thread's work, ticks apart
    }

    @Test
    void aPinnedRunReportsCpuPerRequestForTheSidecarAndNginx() throws Exception {
        Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "needs two CPUs");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/taskset")), "taskset is not installed");
        Path jar = Path.of("../gateway-server/target/switchboard.jar");
        assertThat(jar).exists();
        Path out = dir.resolve("e2e.md");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                BenchmarkCli.class.getName(), "e2e", "--jar", jar.toString(), "--pin", "0", "--rates", "200",
                "--duration", "2s", "--warmup", "2s", "--rounds", "1", "--modes", "plain", "--skip-throughput",
                "--sidecar-jvm-args", "-Xms64m -Xmx256m", "--out", out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        String report = Files.readString(out);
        assertThat(report).contains("pinned: sidecar and nginx on CPU 0");
        Matcher m = Pattern.compile("CPU per request: sidecar \\*\\*([0-9.]+) µs\\*\\*").matcher(report);
        assertThat(m.find()).as(report).isTrue();
        assertThat(Double.parseDouble(m.group(1))).as(report).isPositive();
        if (ReferenceProxy.find() != null) {
            assertThat(report).containsPattern("nginx [0-9.]+ µs \\(sidecar / nginx \\*\\*[0-9.]+\\*\\*\\)");
        }
        assertThat(List.of(report.split("\n"))).anySatisfy(l -> assertThat(l).startsWith("| sidecar |"));
    }
}
