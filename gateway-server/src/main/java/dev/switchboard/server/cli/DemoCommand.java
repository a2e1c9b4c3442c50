package dev.switchboard.server.cli;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.server.http.SwitchboardServer;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The demo: two simulated backends in-process (a slow, dear, external 100B model and a fast, cheap, internal
 * 10B model) behind the sidecar, on the example config {@code examples/configs/demo.yaml}. Needs nothing else.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the sidecar on two simulated backends, with the example config.")
final class DemoCommand implements Callable<Integer> {
    static final String CONFIG_RESOURCE = "/dev/switchboard/server/demo/demo.yaml";

    @Option(names = "--listen", defaultValue = "127.0.0.1:8080", description = "Where the sidecar listens (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--admin", defaultValue = "127.0.0.1:9090", description = "Where the admin API listens (default: ${DEFAULT-VALUE}).")
    String admin;

    @Override
    public Integer call() {
        Demo demo;
        try {
            demo = Demo.start(listen, admin);
        } catch (dev.switchboard.server.http.ListenException e) {
            // The demo's addresses come from its flags, not a config file.
            System.err.println(e.as(e.setting().equals("server.listen") ? "--listen" : "--admin").getMessage());
            return 1;
        }
        // Ctrl-C or SIGTERM: the same as serve — drain, say so, exit 0.
        Demo running = demo;
        GracefulShutdown.install(demo.server, () -> {
            running.gateway.close();
            running.hosted.close();
            running.inhouse.close();
        }, java.time.Duration.ofSeconds(5));
        demo.server.ready();
        System.out.println(demo.banner());
        return 0;
    }

    /** The running demo; also used by tests. */
    static final class Demo implements AutoCloseable {
        final MockModelServer hosted;
        final MockModelServer inhouse;
        final Gateway gateway;
        final SwitchboardServer server;

        private Demo(MockModelServer hosted, MockModelServer inhouse, Gateway gateway, SwitchboardServer server) {
            this.hosted = hosted;
            this.inhouse = inhouse;
            this.gateway = gateway;
            this.server = server;
        }

        static Demo start(String listen, String admin) {
            MockModelServer hosted = MockModelServer.start(MockModelOptions.builder().model("big-model-v3")
                    .firstTokenDelay(Duration.ofMillis(400)).tokensPerSecond(60).responseTokens(32).build());
            MockModelServer inhouse = MockModelServer.start(MockModelOptions.builder().model("glm-4-9b-chat")
                    .firstTokenDelay(Duration.ofMillis(60)).tokensPerSecond(40).responseTokens(24).build());
            Map<String, String> overrides = Map.of(
                    "SWITCHBOARD_LISTEN", listen,
                    "SWITCHBOARD_ADMIN", admin,
                    "DEMO_HOSTED_URL", hosted.baseUrl(),
                    "DEMO_INHOUSE_URL", inhouse.baseUrl(),
                    "HOSTED_API_KEY", "demo-not-a-secret");
            GatewaySpec spec = ConfigLoader.withEnv(overrides::get).parse(config(), "demo.yaml");
            io.netty.channel.EventLoopGroup workers = SwitchboardServer.newWorkers();
            dev.switchboard.server.console.ConsoleData console = SwitchboardServer.newConsole();
            Gateway gateway = Gateway.create(spec, GatewayOptions.defaults().withMeters(
                    new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                            io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT))
                    .withBackends(new dev.switchboard.server.upstream.NettyUpstream(workers))
                    .withCallListener(console.listener()));
            SwitchboardServer server;
            try {
                server = SwitchboardServer.start(spec.server(), () -> gateway, workers,
                        io.opentelemetry.api.OpenTelemetry.noop(), dev.switchboard.server.telemetry.AccessLog.OFF,
                        console);
            } catch (RuntimeException e) {
                gateway.close();
                hosted.close();
                inhouse.close();
                throw e;
            }
            return new Demo(hosted, inhouse, gateway, server);
        }

        static String config() {
            try (InputStream in = DemoCommand.class.getResourceAsStream(CONFIG_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("demo config missing from the jar: " + CONFIG_RESOURCE);
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String banner() {
            String url = "http://127.0.0.1:" + server.port();
            return String.join("\n",
                    "Switchboard demo is running.",
                    "  sidecar      " + url + "/v1   (route aliases: " + String.join(", ", gateway.models()) + ")",
                    "  console      http://127.0.0.1:" + server.adminPort() + "/   (and /admin/backends, "
                            + "/admin/budgets, POST /admin/explain)",
                    "  hosted-100b  " + hosted.baseUrl() + "  (simulated, external, 400 ms to first token)",
                    "  inhouse-10b  " + inhouse.baseUrl() + "  (simulated, internal, 60 ms to first token)",
                    "",
                    "Try it:",
                    "  curl -s " + url + "/v1/chat/completions -H 'content-type: application/json' \\",
                    "    -d '{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Summarise this account.\"}]}' -i",
                    "Ask for the 100B model's scenario with -H 'x-scenario: aml-report', or stream with \"stream\":true.",
                    "Stop with Ctrl-C.");
        }

        @Override
        public void close() {
            server.close();
            gateway.close();
            hosted.close();
            inhouse.close();
        }
    }
}
