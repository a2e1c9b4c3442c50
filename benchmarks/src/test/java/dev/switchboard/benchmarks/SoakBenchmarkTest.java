package dev.switchboard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The soak as {@code mvn verify} runs it, short: real processes, a backend that crashes twice, reloads, clients that
 * leave mid-stream. The long run (30 minutes) is in BENCHMARKS.md; this one holds the properties that do not need
 * time to show.
 */
class SoakBenchmarkTest {
    @Test
    void aShortSoakLeaksNothingAndEveryErrorIsAFaultItInjected() throws Exception {
        Path jar = Path.of("../gateway-server/target/switchboard.jar");
        assertThat(jar).exists();
        SoakBenchmark soak = new SoakBenchmark();
        CommandLine cl = new CommandLine(soak);
        cl.registerConverter(java.time.Duration.class, text -> dev.switchboard.core.config.Durations.parse(text)
                .orElseThrow());
        cl.parseArgs("--jar", jar.toString(), "--duration", "40s", "--warmup", "8s",
                "--flap-every", "15s", "--flap-for", "3s", "--reload-every", "8s", "--rate", "40", "--sample", "2s");
        SoakBenchmark.Outcome o = soak.run();
        String report = soak.report(o);
        assertThat(o.leaks()).as(report).isZero();
        assertThat(o.flaps()).as(report).isGreaterThanOrEqualTo(2);
        assertThat(o.reloads()).as(report).isGreaterThanOrEqualTo(3);
        assertThat(o.leavers()).as(report).isPositive();
        // Every error a client saw is a stream a crash cut after it had started; calls failed over.
        assertThat(o.clientErrors()).as(report).isEqualTo(o.streamCuts());
        // And no more than the ground truth the backend gave just before each kill: no error without a fault (one
        // stream per crash may start in the moment between that read and the kill; a stream whose client had just
        // left is cut without anyone to see it, so fewer is possible).
        assertThat(o.clientErrors()).as(report).isLessThanOrEqualTo(o.faultsInjected() + o.flaps());
        assertThat(o.load().completed()).as(report).isGreaterThan(1000);
        long threadsMin = o.samples().stream().filter(s -> s.seconds() >= 8).mapToLong(SoakBenchmark.Sample::threads)
                .min().orElseThrow();
        long threadsMax = o.samples().stream().filter(s -> s.seconds() >= 8).mapToLong(SoakBenchmark.Sample::threads)
                .max().orElseThrow();
        assertThat(threadsMax - threadsMin).as(report).isLessThanOrEqualTo(2);
        assertThat(SoakBenchmark.plot(o.samples())).startsWith("<svg").contains("<polyline");
        // The live heap, read after a full collection at the edges of the first and the last window.
        assertThat(o.live()).as(report).hasSize(4).allSatisfy(l -> assertThat(l.bytes()).isPositive());
        assertThat(o.live()).extracting(SoakBenchmark.LiveHeap::seconds).isSorted();
        assertThat(report).contains("| live heap after a full collection, at ");
    }
}
