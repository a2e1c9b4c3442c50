package dev.switchboard.benchmarks;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Option;

/** The options every benchmark that starts JVMs shares: which jar, which java. A picocli mixin. */
final class Processes {
    @Option(names = "--jar", defaultValue = "gateway-server/target/switchboard.jar",
            description = "The switchboard jar (model server and sidecar).")
    Path jar;

    @Option(names = "--java", description = "java executable for the processes started (default: this one).")
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    /** Starts {@code java [jvmArgs] -jar jar args...} and waits until it listens. */
    ManagedProcess start(String name, List<String> jvmArgs, List<String> args) throws Exception {
        return ManagedProcess.start(name, java, jvmArgs, jar, args);
    }

    /** As above, under a command prefix ({@code taskset -c 0}). */
    ManagedProcess start(String name, List<String> prefix, List<String> jvmArgs, List<String> args) throws Exception {
        return ManagedProcess.start(name, prefix, java, jvmArgs, jar, args);
    }

    /** JVM flags given as one string on the command line. */
    static List<String> flags(String text) {
        return Arrays.asList(text.trim().split("\\s+"));
    }
}
