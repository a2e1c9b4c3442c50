package dev.switchboard.server.cli;

import dev.switchboard.core.config.ConfigError;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Checks a config file and lists every error with its field path; exit 1 when there is one. */
@Command(name = "validate", mixinStandardHelpOptions = true, description = "Check a config file; list every error.")
final class ValidateCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, description = "The YAML config file.")
    Path config;

    @Override
    public Integer call() {
        try {
            GatewaySpec spec = ConfigLoader.withSystemEnv().load(config);
            System.out.printf("%s is valid: %s, %s%n", config, count(spec.backends().size(), "backend"),
                    count(spec.routes().size(), "route"));
            return 0;
        } catch (ConfigException e) {
            printErrors(config, e);
            return 1;
        }
    }

    static void printErrors(Path config, ConfigException e) {
        System.err.printf("%s has %d error%s:%n", config, e.errors().size(), e.errors().size() == 1 ? "" : "s");
        for (ConfigError error : e.errors()) {
            System.err.println("  " + error);
        }
    }

    /** {@code 1 route}, {@code 2 routes}. */
    static String count(int n, String thing) {
        return n + " " + thing + (n == 1 ? "" : "s");
    }
}
