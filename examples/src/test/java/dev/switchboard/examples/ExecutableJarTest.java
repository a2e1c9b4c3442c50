package dev.switchboard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar switchboard.jar} on JDK 25 with no flags: its manifest gives Netty native access, so Netty frees
 * its buffers with {@code free} and not by closing a shared memory arena (a stop of every thread per freed buffer;
 * BENCHMARKS.md §7). The same classes started from the class path, where no manifest applies, are warned about at
 * start, with the flag; given the flag, they are not.
 */
class ExecutableJarTest {
    private static final Path JAR = Path.of("../gateway-server/target/switchboard.jar");
    private static final String WARNING = "stops every thread of the JVM";
    @TempDir
    static Path dir;
    private static Path config;

    @BeforeAll
    static void config() throws Exception {
        config = dir.resolve("switchboard.yaml");
        Files.writeString(config, """
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                backends:
                  - name: in-house
                    base-url: http://127.0.0.1:9/v1
                    model: m
                    residency: internal
                routes:
                  - name: chat
                    rules:
                      - use: [in-house]
                """);
    }

    /** Starts the sidecar until ready with {@code launch} (what goes between java and serve), returns its output. */
    private static String readyOutput(List<String> launch) throws Exception {
        assertThat(JAR).as("the sidecar's jar: run the README's test command (mvn verify), which builds it first")
                .exists();
        List<String> command = new ArrayList<>(List.of(DockerfileTest.java25(), "-Xmx128m"));
        command.addAll(launch);
        command.addAll(List.of("serve", "--config", config.toString(), "--exit-when-ready"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("switchboard listening on");
        return out;
    }

    @Test
    void theJarRunsWithNativeAccessAndNoWarning() throws Exception {
        assertThat(readyOutput(List.of("-jar", JAR.toString())))
                .doesNotContain(WARNING, "WARNING: A restricted method");
    }

    @Test
    void fromTheClassPathWithoutTheFlagItSaysWhatToSet() throws Exception {
        assertThat(readyOutput(List.of("-cp", JAR.toString(), "dev.switchboard.server.cli.SwitchboardCli")))
                .contains(WARNING, "--enable-native-access=ALL-UNNAMED");
    }

    @Test
    void fromTheClassPathWithTheFlagItIsQuiet() throws Exception {
        assertThat(readyOutput(List.of("--enable-native-access=ALL-UNNAMED", "-cp", JAR.toString(),
                "dev.switchboard.server.cli.SwitchboardCli"))).doesNotContain(WARNING);
    }
}
