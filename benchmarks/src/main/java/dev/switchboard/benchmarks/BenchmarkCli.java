package dev.switchboard.benchmarks;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar benchmarks/target/benchmarks.jar <e2e|streams|jmh> [options]}. */
@Command(name = "benchmarks", mixinStandardHelpOptions = true,
        subcommands = {EndToEndBenchmark.class, StateStoreBenchmark.class, StreamsBenchmark.class, ResidencyBenchmark.class,
                OverloadBenchmark.class, SoakBenchmark.class, LoadCommand.class, CanaryCommand.class, JmhCommand.class})
public final class BenchmarkCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new BenchmarkCli());
        cl.registerConverter(java.time.Duration.class, text -> dev.switchboard.core.config.Durations.parse(text)
                .orElseThrow(() -> new CommandLine.TypeConversionException("'" + text + "' is not a duration")));
        System.exit(cl.execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
