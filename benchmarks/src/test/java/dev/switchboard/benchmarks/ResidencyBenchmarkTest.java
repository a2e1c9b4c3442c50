package dev.switchboard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The residency run as the build machine runs it, small: a sidecar process and two model processes. */
class ResidencyBenchmarkTest {
    @TempDir
    Path dir;

    @Test
    void aSmallRunPassesAndReportsEveryFigure() throws Exception {
        Path jar = Path.of("../gateway-server/target/switchboard.jar");
        assertThat(jar).exists();
        Path report = dir.resolve("residency.md");
        int exit = new CommandLine(new ResidencyBenchmark()).execute("--jar", jar.toString(), "--bodies", "300",
                "--sidecar-bodies", "60", "--prompts", "500", "--docs", "..", "--out", report.toString());
        String text = Files.readString(report);
        assertThat(exit).as(text).isZero();
        assertThat(text).contains("| bodies with a planted value found clean (missed) | 0 |")
                .contains("| planted bodies the external model received | 0 |")
                .contains("with a digit of a planted value (LeakCheck against the twin) | 0 |")
                .contains("| clean twins that did not reach the external model unchanged | 0 |")
                .contains("ordinary banking prompts");
    }
}
