package dev.switchboard.server.cli;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.server.http.ConfigReloader;
import dev.switchboard.server.http.SwitchboardServer;
import dev.switchboard.server.telemetry.AccessLog;
import dev.switchboard.server.telemetry.Telemetry;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the sidecar on a config file until the process is stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the sidecar with a config file.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, description = "The YAML config file.")
    Path config;

    @Option(names = "--upstream", defaultValue = "netty", description = "How non-streamed calls reach http:// "
            + "backends: netty (on the sidecar's own event loops; default) or okhttp (as the library does).")
    String upstream;

    @Option(names = "--transport", defaultValue = "${sys:switchboard.transport:-auto}", description = "Sockets: auto "
            + "(epoll on Linux where the native library loads, else NIO; default), epoll or nio.")
    String transport;

    @Override
    public Integer call() {
        // The tokenizer's ranks take the longest to load of anything at start: begin now, on the other core, while
        // the config is read and the gateway built (which waits for it, if it is still loading then).
        Thread tokenizer = new Thread(Gateway::preload, "tokenizer-load");
        tokenizer.setDaemon(true);
        tokenizer.start();
        GatewaySpec spec;
        try {
            spec = ConfigLoader.withSystemEnv().load(config);
        } catch (ConfigException e) {
            ValidateCommand.printErrors(config, e);
            System.err.println("refusing to start on an invalid config");
            return 1;
        }
        if (!upstream.equals("netty") && !upstream.equals("okhttp")) {
            System.err.println("--upstream: '" + upstream + "' (expected netty or okhttp)");
            return 2;
        }
        dev.switchboard.server.http.Transport sockets;
        try {
            sockets = dev.switchboard.server.http.Transport.named(transport);
        } catch (IllegalArgumentException e) {
            System.err.println("--transport: " + e.getMessage());
            return 2;
        }
        io.netty.channel.EventLoopGroup workers = sockets.newGroup(0);
        // Traces: the config's telemetry section as defaults, the OTEL_* environment over it; off without an exporter.
        Telemetry telemetry = Telemetry.start(spec.telemetry(), System::getenv);
        AccessLog accessLog = AccessLog.open(spec.telemetry().accessLog(), java.time.Clock.systemUTC(),
                telemetry.meterRegistry());
        // Every request's record: to the access log (when on) and to the admin console's recent decisions.
        dev.switchboard.server.console.ConsoleData console = SwitchboardServer.newConsole();
        java.util.function.Consumer<dev.switchboard.core.CallRecord> calls = console.listener();
        GatewayOptions options = GatewayOptions.defaults().withMeters(telemetry.meterRegistry())
                .withOpenTelemetry(telemetry.openTelemetry()).withCallListener(calls.andThen(accessLog::call));
        if (upstream.equals("netty")) {
            options = options.withBackends(new dev.switchboard.server.upstream.NettyUpstream(workers));
        }
        Gateway gateway;
        try {
            gateway = Gateway.create(spec, options);
        } catch (RuntimeException e) {
            workers.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
            accessLog.close();
            telemetry.close();
            throw e;
        }
        ConfigReloader reloader = new ConfigReloader(config, System::getenv, gateway);
        try {
            reloader.watch();
        } catch (java.io.IOException e) {
            System.err.println("not watching " + config + " for changes (" + e + "); POST /admin/reload still works");
        }
        // Settle the heap before serving: what start-up built to keep (the tokenizer's ranks, ~40 MB, the routing
        // table, the clients) goes to the old generation in one collection now, instead of being copied between
        // survivor spaces by every young collection of the first minute under load (pauses of 40-90 ms measured).
        System.gc();
        SwitchboardServer server;
        try {
            server = SwitchboardServer.start(spec.server(), reloader, workers, telemetry.openTelemetry(), accessLog,
                    console);
        } catch (dev.switchboard.server.http.ListenException e) {
            System.err.println(e.getMessage()); // one line: the address, the setting, why
            reloader.close();
            accessLog.close();
            telemetry.close();
            return 1;
        }
        // After the last request: the gateway (audit log), the access log, then the spans still buffered.
        GracefulShutdown.install(server, () -> {
            try (telemetry; accessLog) {
                reloader.close();
            }
        }, spec.server().shutdownGrace());
        // With the access log on standard output, that stream holds JSON lines only: the banner goes to stderr.
        (accessLog.toStdout(spec.telemetry().accessLog()) ? System.err : System.out).printf("switchboard listening on %s:%d (admin and console %s:%d, config %s, routes %s, %s sockets%s)%n",
                spec.server().listen().host(), server.port(), spec.server().admin().host(), server.adminPort(), config,
                gateway.models(),
                sockets.name().toLowerCase(java.util.Locale.ROOT), telemetry.on() ? ", traces on" : "");
        return 0;
    }
}
