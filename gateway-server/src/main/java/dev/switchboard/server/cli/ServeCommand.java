package dev.switchboard.server.cli;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.server.http.ConfigReloader;
import dev.switchboard.server.http.SwitchboardServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the sidecar on a config file until the process is stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the sidecar with a config file.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, description = "The YAML config file.")
    Path config;

    @Override
    public Integer call() {
        GatewaySpec spec;
        try {
            spec = ConfigLoader.withSystemEnv().load(config);
        } catch (ConfigException e) {
            ValidateCommand.printErrors(config, e);
            System.err.println("refusing to start on an invalid config");
            return 1;
        }
        Gateway gateway = Gateway.create(spec, GatewayOptions.defaults().withMeters(
                new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT)));
        ConfigReloader reloader = new ConfigReloader(config, System::getenv, gateway);
        try {
            reloader.watch();
        } catch (java.io.IOException e) {
            System.err.println("not watching " + config + " for changes (" + e + "); POST /admin/reload still works");
        }
        SwitchboardServer server = SwitchboardServer.start(spec.server(), reloader);
        GracefulShutdown.install(server, reloader, spec.server().shutdownGrace());
        System.out.printf("switchboard listening on %s:%d (config %s, routes %s)%n", spec.server().listen().host(),
                server.port(), config, gateway.models());
        return 0;
    }
}
