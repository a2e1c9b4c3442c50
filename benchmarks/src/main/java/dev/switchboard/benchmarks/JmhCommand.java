package dev.switchboard.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** Runs the JMH micro-benchmarks; arguments go to JMH as they are (e.g. {@code -f 1 -wi 3 -i 5 Routing}). */
@Command(name = "jmh", description = "Run the JMH micro-benchmarks (arguments are JMH's: -f 1 -wi 3 -i 5 Routing).")
final class JmhCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        org.openjdk.jmh.Main.main(args.toArray(String[]::new));
        return 0;
    }
}
