package dev.switchboard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.ConfigReloader;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The starter in a Spring context, against the testkit model on a real port. */
class SwitchboardAutoConfigurationTest {
    @TempDir
    Path dir;
    private MockModelServer inhouse;
    private MockModelServer hosted;
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SwitchboardAutoConfiguration.class));

    @BeforeEach
    void start() {
        inhouse = MockModelServer.start(MockModelOptions.builder().model("small").build());
        hosted = MockModelServer.start(MockModelOptions.builder().model("big").build());
    }

    @AfterEach
    void stop() {
        inhouse.close();
        hosted.close();
    }

    private String yaml(String route) {
        return """
                backends:
                  - { name: inhouse-10b, base-url: "%s", model: small, residency: internal }
                  - name: hosted-100b
                    base-url: "%s"
                    model: big
                    residency: external
                    circuit-breaker: { failure-rate: 50%%, window: 2, minimum-calls: 2, open-for: 1m }
                resilience: { retry: { attempts: 1 } }
                routes:
                  - { name: %s, rules: [ { use: [hosted-100b, inhouse-10b] } ] }
                """.formatted(inhouse.baseUrl(), hosted.baseUrl(), route);
    }

    private static String ask(String route, String text) {
        return "{\"model\":\"" + route + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    private static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < until) {
            Thread.sleep(50); // polling the observable effect of a file-system event
        }
        return condition.getAsBoolean();
    }

    @Test
    void aConfigFileMakesTheGatewayBeanWhichReloadsInPlaceAndClosesWithTheContext() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, yaml("chat"));
        Gateway[] held = new Gateway[1];
        runner.withPropertyValues("switchboard.config=" + file).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(Gateway.class).hasSingleBean(ConfigReloader.class);
            Gateway gateway = context.getBean(Gateway.class);
            held[0] = gateway;
            assertThat(gateway.chat(GatewayRequest.chat(ask("chat", "hello"))).backend()).isEqualTo("hosted-100b");
            Files.writeString(file, yaml("assistant"));
            assertThat(eventually(() -> gateway.models().equals(List.of("assistant")))).as("reloaded").isTrue();
            assertThat(context.getBean(Gateway.class)).isSameAs(gateway); // the bean is the live gateway
            assertThat(watchers()).isPositive();
        });
        // Closed with the context: no watcher left, and the gateway takes no more calls.
        assertThat(eventually(() -> watchers() == 0)).isTrue();
        assertThatThrownBy(() -> held[0].chat(GatewayRequest.chat(ask("assistant", "hello"))))
                .isInstanceOf(GatewayException.class);
    }

    private static long watchers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("switchboard-config-watch") && t.isAlive()).count();
    }

    @Test
    void propertiesMakeTheSameConfigAsTheFileWithValuesTypedAsInYaml() {
        runner.withPropertyValues(
                "switchboard.backends[0].name=inhouse-10b",
                "switchboard.backends[0].base-url=" + inhouse.baseUrl(),
                "switchboard.backends[0].model=small",
                "switchboard.backends[0].residency=internal",
                "switchboard.backends[0].limits.max-concurrency=4",
                "switchboard.backends[0].price.input-per-mtok=0.5",
                "switchboard.backends[0].price.output-per-mtok=1",
                "switchboard.backends[0].price.currency=CNY",
                "switchboard.routes[0].name=chat",
                "switchboard.routes[0].aliases[0]=gpt-4o",
                "switchboard.routes[0].rules[0].use[0]=inhouse-10b",
                "switchboard.budgets[0].tenant=retail",
                "switchboard.budgets[0].limit[0]=100 CNY/day")
                .run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean(ConfigReloader.class);
                    Gateway gateway = context.getBean(Gateway.class);
                    assertThat(gateway.models()).contains("chat", "gpt-4o");
                    assertThat(gateway.spec().backends().get(0).limits().maxConcurrency()).isEqualTo(4);
                    assertThat(gateway.spec().budgets()).singleElement()
                            .satisfies(b -> assertThat(b.daily()).isEqualByComparingTo("100"));
                    assertThat(gateway.chat(GatewayRequest.chat(ask("gpt-4o", "hi"))).backend())
                            .isEqualTo("inhouse-10b");
                });
    }

    @Test
    void aBadPropertyFailsTheStartNamingItsField() {
        runner.withPropertyValues(
                "switchboard.backends[0].name=inhouse-10b",
                "switchboard.backends[0].base-url=ftp://nowhere",
                "switchboard.backends[0].model=small",
                "switchboard.backends[0].residency=inside",
                "switchboard.routes[0].name=chat",
                "switchboard.routes[0].rules[0].use[0]=inhouse-11b")
                .run(context -> {
                    assertThat(context).hasFailed();
                    SwitchboardConfigException e = cause(context.getStartupFailure());
                    assertThat(e.errors()).extracting(Object::toString).anySatisfy(m -> assertThat(m)
                            .startsWith("switchboard.backends[0].base-url:"))
                            .anySatisfy(m -> assertThat(m).startsWith("switchboard.backends[0].residency:"))
                            .anySatisfy(m -> assertThat(m).startsWith("switchboard.routes[0].rules[0].use[0]:")
                                    .contains("inhouse-11b"));
                    FailureAnalysis analysis = new SwitchboardConfigFailureAnalyzer().analyze(
                            context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("switchboard.backends[0].base-url");
                    assertThat(analysis.getAction()).contains("switchboard validate");
                });
    }

    @Test
    void platformVariablesAreNotConfigAndSpringPlaceholdersResolve() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, yaml("chat"));
        // Kubernetes gives every pod SWITCHBOARD_SERVICE_HOST and friends for a Service named switchboard.
        runner.withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                new org.springframework.core.env.SystemEnvironmentPropertySource("systemEnvironment", Map.of(
                        "SWITCHBOARD_SERVICE_HOST", "10.0.0.7", "SWITCHBOARD_PORT_8080_TCP_PORT", "8080"))))
                .withPropertyValues("switchboard.config=" + file, "switchboard.watch=false")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Gateway.class));
        // Spring's own placeholders beside the loader's ${env:...}.
        runner.withPropertyValues("inhouse.url=" + inhouse.baseUrl(),
                "switchboard.backends[0].name=inhouse-10b",
                "switchboard.backends[0].base-url=${inhouse.url}",
                "switchboard.backends[0].model=small",
                "switchboard.backends[0].residency=internal",
                "switchboard.backends[0].api-key=${env:SB_TEST_KEY:-none}",
                "switchboard.routes[0].name=chat",
                "switchboard.routes[0].rules[0].use[0]=inhouse-10b")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(Gateway.class).spec().backends().get(0).baseUrl().toString())
                            .startsWith(inhouse.baseUrl());
                });
    }

    @Test
    void namesThatCannotBeAConfigPlaceAreErrorsThatSaySo() {
        runner.withPropertyValues(
                "switchboard.backends[0].name=inhouse-10b",
                "switchboard.backends[0].baseUrl=http://x",
                "switchboard.routes[2000000000].name=chat",
                "switchboard.routes[0].rules[0].use[0]=${no.such.property}")
                .run(context -> {
                    SwitchboardConfigException e = cause(context.getStartupFailure());
                    assertThat(e.errors()).extracting(Object::toString)
                            .anySatisfy(m -> assertThat(m).contains("backends[0].baseurl").contains("base-url"))
                            .anySatisfy(m -> assertThat(m).contains("index 2000000000"))
                            .anySatisfy(m -> assertThat(m).contains("switchboard.routes[0].rules[0].use[0]")
                                    .contains("no.such.property"));
                });
    }

    @Test
    void aBadFileFailsTheStartNamingTheFileAndTheField() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, yaml("chat").replace("use: [hosted-100b, inhouse-10b]", "use: [nope]"));
        runner.withPropertyValues("switchboard.config=" + file).run(context -> {
            assertThat(context).hasFailed();
            SwitchboardConfigException e = cause(context.getStartupFailure());
            assertThat(e.getMessage()).contains(file.toString()).contains("routes[0].rules[0].use[0]: unknown backend");
        });
        runner.run(context -> assertThat(cause(context.getStartupFailure()).getMessage())
                .contains("no config: set switchboard.config"));
        runner.withPropertyValues("switchboard.config=" + file, "switchboard.routes[0].name=x")
                .run(context -> assertThat(cause(context.getStartupFailure()).getMessage())
                        .contains("both switchboard.config"));
    }

    private static SwitchboardConfigException cause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SwitchboardConfigException s) {
                return s;
            }
        }
        throw new AssertionError("no SwitchboardConfigException in " + failure, failure);
    }

    @Test
    void theGatewaysMetersGoToTheApplicationsRegistry() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, yaml("chat"));
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("switchboard.config=" + file, "switchboard.watch=false").run(context -> {
                    context.getBean(Gateway.class).chat(GatewayRequest.chat(ask("chat", "hello")));
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(registry.find("gen_ai.client.operation.duration").timers()).isNotEmpty();
                    assertThat(watchers()).isZero();
                });
    }

    @Test
    void healthGoesDownWhenABackendsBreakerOpensAndTheEndpointExplains() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, yaml("chat"));
        runner.withPropertyValues("switchboard.config=" + file, "switchboard.watch=false").run(context -> {
            SwitchboardHealthIndicator health = context.getBean(SwitchboardHealthIndicator.class);
            assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);
            Gateway gateway = context.getBean(Gateway.class);
            hosted.options(hosted.options().toBuilder().forcedStatus(500).build());
            for (int i = 0; i < 2; i++) { // fails over to the in-house model; the hosted one's breaker counts
                assertThat(gateway.chat(GatewayRequest.chat(ask("chat", "hello"))).backend()).isEqualTo("inhouse-10b");
            }
            Health down = health.health(true);
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(down.getDetails().get("backends").toString()).contains("hosted-100b={breaker=open");

            SwitchboardEndpoint endpoint = context.getBean(SwitchboardEndpoint.class);
            assertThat(endpoint.status().get("models")).isEqualTo(List.of("chat"));
            Map<String, Object> plain = endpoint.explain("chat", "What is a bond?", null);
            assertThat(plain.get("route")).isEqualTo("chat");
            assertThat(plain.get("candidates").toString()).contains("hosted-100b", "exclusion=circuit_open");
            // Customer data: the external model is excluded, and the trace says why (kinds, never the value).
            Map<String, Object> sensitive = endpoint.explain("chat", "Refund IBAN DE89370400440532013000", "retail");
            assertThat(sensitive.get("order")).isEqualTo(List.of("inhouse-10b"));
            assertThat(sensitive.toString()).doesNotContain("DE89370400440532013000");
            assertThat(sensitive.get("compliance").toString()).contains("route-internal", "bank-account=1");
        });
    }
}
