package dev.switchboard.server.cli;

import dev.switchboard.core.ConfigReloader;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
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

    @Option(names = "--listen", description = "Where the API listens (host:port), over server.listen: so an "
            + "example config runs beside another.")
    String listen;

    @Option(names = "--admin", description = "Where the admin port listens (host:port), over server.admin.")
    String admin;

    @Option(names = "--transport", defaultValue = "${sys:switchboard.transport:-auto}", description = "Sockets: auto "
            + "(epoll on Linux where the native library loads, else NIO; default), epoll or nio.")
    String transport;

    @Option(names = "--exit-when-ready", description = "Start as usual, then stop at once and exit 0: checks that "
            + "the config starts (TLS for https backends included), and trains an AOT cache in an image build "
            + "(-XX:AOTCacheOutput).")
    boolean exitWhenReady;

    /**
     * {@code serve} read without picocli, when its arguments are the plain forms a pod's command line uses: each
     * option once, as {@code --name value} or {@code --name=value} ({@code -c value} for the config), the flag
     * {@code --exit-when-ready}, nothing else. Null for anything else — help, a version flag, an unknown or repeated
     * option, a value that looks like an option, a missing config — which then goes to picocli, whose errors and help
     * are the CLI's.
     *
     * <p>Why: picocli is compiled for Java 5, so its classes are verified the old way and kept out of a class-data
     * archive or an AOT cache, and it reads the commands' annotations by reflection; on one core that was a third of
     * the sidecar's start (0.36 s of 1.3 s to ready, BENCHMARKS.md section 11). {@code ServeArgsProperties} holds
     * this reading equal to picocli's on generated command lines.
     */
    static ServeCommand fromPlainArgs(String... args) {
        if (args.length < 2 || !args[0].equals("serve")) {
            return null;
        }
        ServeCommand serve = new ServeCommand();
        serve.upstream = "netty";
        serve.transport = System.getProperty("switchboard.transport", "auto");
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.startsWith("@")) {
                return null; // an argument file, which picocli expands
            }
            int eq = arg.indexOf('=');
            String name = arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
            if (name.equals("-c")) {
                name = "--config";
            }
            if (!seen.add(name)) {
                return null; // picocli says which option was given twice
            }
            if (name.equals("--exit-when-ready") && eq < 0) {
                serve.exitWhenReady = true;
                continue;
            }
            String value;
            if (eq > 0 && arg.startsWith("--")) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                return null;
            }
            if (value.isEmpty() || value.startsWith("-") || value.startsWith("@")) {
                return null;
            }
            switch (name) {
                case "--config" -> serve.config = Path.of(value);
                case "--listen" -> serve.listen = value;
                case "--admin" -> serve.admin = value;
                case "--transport" -> serve.transport = value;
                case "--upstream" -> serve.upstream = value;
                default -> {
                    return null;
                }
            }
        }
        return serve.config == null ? null : serve;
    }

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
        // The tokenizer's ranks take the longest to load of anything at start: when the config counts tokens, begin
        // now, on the other core, while the gateway is built (which waits for it, if it is still loading then). A
        // config that never counts never loads them (4 MB of heap and about 0.2 s on one core).
        GatewaySpec counted = spec;
        Thread tokenizer = new Thread(() -> Gateway.preload(counted), "tokenizer-load");
        tokenizer.setDaemon(true);
        tokenizer.start();
        try {
            spec = overridden(spec);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
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
        dev.switchboard.server.upstream.NettyUpstream netty = null;
        if (upstream.equals("netty")) {
            netty = new dev.switchboard.server.upstream.NettyUpstream(workers);
            options = options.withBackends(netty);
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
        SwitchboardServer server;
        try {
            server = SwitchboardServer.start(spec.server(), reloader, workers, telemetry.openTelemetry(), accessLog,
                    console);
        } catch (dev.switchboard.server.http.ListenException e) {
            // One line: the address, the setting (the flag, when one set it), why.
            String setting = e.setting().equals("server.listen") ? (listen != null ? "--listen" : null)
                    : (admin != null ? "--admin" : null);
            System.err.println(setting == null ? e.getMessage() : e.as(setting).getMessage());
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
        server.ready(); // /readyz: 200 from now until SIGTERM
        // A JVM on which every freed buffer stops all threads: said before the banner, with the flag that fixes it.
        dev.switchboard.server.http.BufferCleaning.ofThisJvm().warning().ifPresent(System.err::println);
        // TLS for https backends, off the way to ready (a quarter of a second on one core).
        java.util.concurrent.CompletableFuture<io.netty.handler.ssl.SslContext> tls =
                netty == null ? null : netty.prepareTls();
        // With the access log on standard output, that stream holds JSON lines only: the banner goes to stderr.
        (accessLog.toStdout(spec.telemetry().accessLog()) ? System.err : System.out).printf("switchboard listening on %s:%d (admin and console %s:%d, config %s, routes %s, %s sockets%s)%n",
                spec.server().listen().host(), server.port(), spec.server().admin().host(), server.adminPort(), config,
                gateway.models(),
                sockets.name().toLowerCase(java.util.Locale.ROOT), telemetry.on() ? ", traces on" : "");
        if (exitWhenReady) {
            // The check of a config, and the training run of an image's AOT cache: TLS set up too, or exit 1.
            String tlsFailure = null;
            if (tls != null) {
                try {
                    tls.join();
                } catch (java.util.concurrent.CompletionException e) {
                    tlsFailure = e.getCause() == null ? e.toString() : e.getCause().getMessage();
                }
            }
            server.drain(java.time.Duration.ZERO);
            server.close();
            try (telemetry; accessLog) {
                reloader.close();
            }
            if (tlsFailure != null) {
                System.err.println("switchboard: ready, but " + tlsFailure + "; stopped (--exit-when-ready)");
                return 1;
            }
            System.err.println("switchboard: ready; stopped (--exit-when-ready)");
        }
        return 0;
    }

    /** The config with the --listen and --admin flags over its addresses. */
    private dev.switchboard.core.config.GatewaySpec overridden(dev.switchboard.core.config.GatewaySpec spec) {
        if (listen == null && admin == null) {
            return spec;
        }
        dev.switchboard.core.config.ServerSpec s = spec.server();
        dev.switchboard.core.config.ServerSpec.HostPort l = listen == null ? s.listen() : hostPort("--listen", listen);
        dev.switchboard.core.config.ServerSpec.HostPort a = admin == null ? s.admin() : hostPort("--admin", admin);
        if (!dev.switchboard.core.config.ServerSpec.loopback(a.host()) && s.adminKeySha256() == null) {
            throw new IllegalArgumentException("--admin " + a + " listens beyond loopback: set server.admin-auth.sha256 "
                    + "in the config (the hash of an admin key, from `switchboard hash-key`), or keep it on 127.0.0.1");
        }
        dev.switchboard.core.config.ServerSpec server = s.withAddresses(l, a);
        return new dev.switchboard.core.config.GatewaySpec(server, spec.backends(), spec.routes(), spec.budgets(),
                spec.audit(), spec.retry(), spec.compliance(), spec.cache(), spec.rateLimits(), spec.state(),
                spec.overload(), spec.telemetry(), spec.alerts(), spec.quotas());
    }

    private static dev.switchboard.core.config.ServerSpec.HostPort hostPort(String flag, String value) {
        int colon = value.lastIndexOf(':');
        try {
            if (colon <= 0) {
                throw new NumberFormatException();
            }
            int port = Integer.parseInt(value.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new dev.switchboard.core.config.ServerSpec.HostPort(value.substring(0, colon), port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " " + value + ": expected host:port, such as 127.0.0.1:8081");
        }
    }
}
