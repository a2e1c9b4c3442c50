package dev.switchboard.server.cli;

import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.server.simulate.Simulation;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** What-if: replays traffic through one config, or two side by side, in simulated time. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Replay traffic through the routing of a config (or two, compared) against simulated backends.")
final class SimulateCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, description = "The config to simulate (A).")
    Path config;

    @Option(names = "--compare", description = "A second config (B), shown beside A.")
    Path compare;

    @Option(names = {"-t", "--traffic"}, required = true,
            description = "Traffic: JSON lines ({\"t\":s,\"tenant\",\"model\",\"headers\",\"prompt_tokens\",\"output_tokens\"}) or a sidecar audit log.")
    Path traffic;

    @Option(names = "--format", defaultValue = "table", description = "table, json or csv (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the simulated latencies.")
    long seed;

    @Override
    public Integer call() throws Exception {
        GatewaySpec a;
        GatewaySpec b = null;
        try {
            a = ConfigLoader.withSystemEnv().load(config);
            if (compare != null) {
                b = ConfigLoader.withSystemEnv().load(compare);
            }
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 1;
        }
        if (!format.equals("table") && !format.equals("json") && !format.equals("csv")) {
            System.err.println("--format " + format + ": expected table, json or csv");
            return 2;
        }
        System.out.print(Simulation.run(a, config.getFileName().toString(), b,
                compare == null ? null : compare.getFileName().toString(), traffic, seed, format,
                // A progress bar redraws one line with carriage returns: only on a terminal, never into a log.
                System.console() != null ? System.err : null));
        return 0;
    }
}
