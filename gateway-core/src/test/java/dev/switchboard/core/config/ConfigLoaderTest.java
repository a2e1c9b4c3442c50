package dev.switchboard.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    private static final String VALID = """
            server:
              listen: 127.0.0.1:8081
              max-body-size: 2MiB
            backends:
              - name: hosted-100b
                base-url: https://api.example.com/v1/
                api-key: ${env:HOSTED_KEY}
                model: big-model-v3
                residency: external
                price: { input-per-mtok: 2.0, output-per-mtok: 8.0, currency: cny }
                limits: { max-concurrency: 256, connect-timeout: 2s, first-token-timeout: 15s, total-timeout: 120s }
              - name: inhouse-10b
                base-url: http://vllm.internal:8000/v1
                model: qwen
                residency: internal
            routes:
              - name: chat
                aliases: [gpt-4o]
                rules:
                  - when: { header: { x-scenario: aml-report }, tenant: [retail, risk] }
                    use: [hosted-100b, inhouse-10b]
                    reason: quality first
                  - when: { prompt-tokens: { gt: 6000 } }
                    use: [hosted-100b]
                  - use: [{ backend: inhouse-10b, weight: 3 }, { backend: hosted-100b, weight: 1 }]
                    strategy: weighted
            """;

    private static GatewaySpec parse(String yaml, Map<String, String> env) {
        return ConfigLoader.withEnv(env::get).parse(yaml, "test.yaml");
    }

    private static List<String> errors(String yaml) {
        try {
            parse(yaml, Map.of());
        } catch (ConfigException e) {
            return e.errors().stream().map(ConfigError::toString).toList();
        }
        throw new AssertionError("expected the config to be rejected");
    }

    @Test
    void theDrainDelayIsPartOfTheShutdownGrace() {
        String valid = VALID.replace("${env:HOSTED_KEY}", "k");
        assertThat(parse(valid, Map.of()).server().drainDelay()).isZero();
        assertThat(parse(valid.replace("max-body-size: 2MiB", "max-body-size: 2MiB\n  drain-delay: 5s"), Map.of())
                .server().drainDelay()).isEqualTo(java.time.Duration.ofSeconds(5));
        assertThat(errors(valid.replace("max-body-size: 2MiB",
                "max-body-size: 2MiB\n  drain-delay: 45s\n  shutdown-grace: 30s")))
                .anySatisfy(e -> assertThat(e).contains("server.drain-delay")
                        .contains("45s is longer than server.shutdown-grace (30s)"));
    }

    @Test
    void telemetryIsOffByDefaultAndBindsItsTracesSection() {
        assertThat(parse(VALID, Map.of("HOSTED_KEY", "k")).telemetry()).isEqualTo(TelemetrySpec.DEFAULTS);
        GatewaySpec spec = parse(VALID + """
                telemetry:
                  traces:
                    exporter: otlp
                    endpoint: https://otel.bank.example:4318/v1/traces
                    protocol: http/protobuf
                    headers: { authorization: "Bearer ${env:OTEL_TOKEN}" }
                    sample-ratio: 0.25
                """, Map.of("HOSTED_KEY", "k", "OTEL_TOKEN", "tok-123"));
        TelemetrySpec.Traces t = spec.telemetry().traces();
        assertThat(t.exporter()).isEqualTo(TelemetrySpec.Exporter.OTLP);
        assertThat(t.endpoint()).isEqualTo("https://otel.bank.example:4318/v1/traces");
        assertThat(t.protocol()).isEqualTo(TelemetrySpec.Protocol.HTTP_PROTOBUF);
        assertThat(t.headers().get("authorization").reveal()).isEqualTo("Bearer tok-123");
        assertThat(t.toString()).doesNotContain("tok-123"); // a secret, like an API key
        assertThat(t.sampleRatio()).isEqualTo(0.25);
        assertThat(t.serviceName()).isEqualTo("switchboard");
    }

    @Test
    void badTelemetryNamesTheExactField() {
        assertThat(errors(VALID.replace("${env:HOSTED_KEY}", "k") + """
                telemetry:
                  traces: { exporter: zipkin, endpoint: "otel:4317", protocol: http/json, sample-ratio: 2, colour: red }
                """)).containsExactlyInAnyOrder(
                "telemetry.traces.exporter: 'zipkin' (expected one of: otlp, none)",
                "telemetry.traces.endpoint: 'otel:4317' (expected an http:// or https:// URL)",
                "telemetry.traces.protocol: 'http/json' (expected one of: grpc, http/protobuf)",
                "telemetry.traces.sample-ratio: 2.0 (expected: from 0 to 1)",
                "telemetry.traces.colour: unknown key (expected one of: endpoint, exporter, headers, protocol, "
                        + "sample-ratio, service-name)");
    }

    @Test
    void theAccessLogIsOptInToStandardOutputOrAFile() {
        Map<String, String> env = Map.of("HOSTED_KEY", "k");
        assertThat(parse(VALID, env).telemetry().accessLog()).isEqualTo(TelemetrySpec.AccessLog.OFF);
        assertThat(parse(VALID + "telemetry: { access-log: stdout }\n", env).telemetry().accessLog())
                .isEqualTo(TelemetrySpec.AccessLog.STDOUT);
        assertThat(parse(VALID + "telemetry: { access-log: {} }\n", env).telemetry().accessLog())
                .isEqualTo(TelemetrySpec.AccessLog.STDOUT);
        assertThat(parse(VALID + "telemetry: { access-log: { path: ./logs/access.jsonl } }\n", env).telemetry()
                .accessLog()).isEqualTo(new TelemetrySpec.AccessLog(true, java.nio.file.Path.of("./logs/access.jsonl")));
        assertThat(parse(VALID + "telemetry: { access-log: { path: stdout, enabled: false } }\n", env).telemetry()
                .accessLog()).isEqualTo(TelemetrySpec.AccessLog.OFF);
        assertThat(errors(VALID.replace("${env:HOSTED_KEY}", "k")
                + "telemetry: { access-log: { path: \"\", format: text } }\n")).containsExactlyInAnyOrder(
                "telemetry.access-log.format: unknown key (expected one of: enabled, path)",
                "telemetry.access-log.path: empty (expected stdout or a file path)");
    }

    @Test
    void bindsAValidConfigWithDefaultsAndSecrets() {
        GatewaySpec spec = parse(VALID, Map.of("HOSTED_KEY", "sk-secret"));
        assertThat(spec.server().listen()).isEqualTo(new ServerSpec.HostPort("127.0.0.1", 8081));
        assertThat(spec.server().maxBodyBytes()).isEqualTo(2L * 1024 * 1024);
        BackendSpec hosted = spec.backend("hosted-100b").orElseThrow();
        assertThat(hosted.baseUrl()).isEqualTo("https://api.example.com/v1");
        assertThat(hosted.apiKey().reveal()).isEqualTo("sk-secret");
        assertThat(hosted.apiKey().toString()).doesNotContain("sk-secret");
        assertThat(hosted.toString()).doesNotContain("sk-secret");
        assertThat(hosted.price()).isEqualTo(new PriceSpec(2.0, 8.0, "CNY"));
        assertThat(hosted.limits().firstTokenTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(hosted.residency()).isEqualTo(Residency.EXTERNAL);
        BackendSpec inhouse = spec.backend("inhouse-10b").orElseThrow();
        assertThat(inhouse.limits()).isEqualTo(LimitsSpec.DEFAULTS);
        assertThat(inhouse.apiKey().isPresent()).isFalse();

        RouteSpec chat = spec.routes().get(0);
        assertThat(chat.aliases()).containsExactly("gpt-4o");
        assertThat(chat.rules()).hasSize(3);
        assertThat(chat.rules().get(0).when()).isInstanceOf(ConditionSpec.All.class);
        assertThat(chat.rules().get(0).reason()).isEqualTo("quality first");
        assertThat(chat.rules().get(1).when()).isEqualTo(new ConditionSpec.PromptTokens(new ConditionSpec.Bounds(6000L, null, null, null)));
        assertThat(chat.rules().get(2).strategy()).isEqualTo(StrategyKind.WEIGHTED);
        assertThat(chat.rules().get(2).use()).containsExactly(new RuleSpec.WeightedBackend("inhouse-10b", 3),
                new RuleSpec.WeightedBackend("hosted-100b", 1));
    }

    @Test
    void envDefaultsApplyWhenTheVariableIsUnset() {
        GatewaySpec spec = parse(VALID.replace("${env:HOSTED_KEY}", "${env:HOSTED_KEY:-fallback}"), Map.of());
        assertThat(spec.backend("hosted-100b").orElseThrow().apiKey().reveal()).isEqualTo("fallback");
    }

    @Test
    void reportsEveryErrorWithItsFieldPath() {
        String yaml = VALID
                .replace("use: [hosted-100b, inhouse-10b]", "use: [hosted-100b, gpt5]")
                .replace("residency: internal", "residency: moon")
                .replace("connect-timeout: 2s", "connect-timeout: soon")
                .replace("strategy: weighted", "strategy: fastest-horse")
                .replace("max-concurrency: 256", "max-concurrency: -1")
                .replace("tenant: [retail, risk]", "tennant: retail");
        assertThat(errors(yaml)).containsExactlyInAnyOrder(
                "backends[0].api-key: environment variable HOSTED_KEY is not set",
                "backends[0].limits.max-concurrency: -1 (expected: 1..1000000)",
                "backends[0].limits.connect-timeout: 'soon' (expected: a duration such as 800ms, 2s, 10m, 1h)",
                "backends[1].residency: 'moon' (expected one of: internal, external)",
                "routes[0].rules[0].when.tennant: unknown key (expected one of: all, any, has-images, has-tools, "
                        + "header, max-tokens, metadata, model, not, prompt-tokens, sensitive-data, tenant, time)",
                "routes[0].rules[0].use[1]: unknown backend 'gpt5'",
                "routes[0].rules[2].strategy: 'fastest-horse' (expected one of: priority, weighted, cheapest, fastest, cheapest-within-slo)");
    }

    @Test
    void rejectsDuplicatesAndMissingPieces() {
        String yaml = """
                backends:
                  - name: a
                    base-url: ftp://example.com
                    model: m
                    residency: internal
                  - name: a
                    model: m
                    residency: external
                routes:
                  - name: chat
                    rules:
                      - use: [a, a]
                  - name: chat2
                    aliases: chat
                  - name: r3
                    rules:
                      - use: []
                        strategy: weighted
                """;
        assertThat(errors(yaml)).containsExactlyInAnyOrder(
                "backends[0].base-url: 'ftp://example.com' (expected: an http or https URL such as "
                        + "https://api.example.com/v1)",
                "backends[1].name: duplicate backend 'a'",
                "backends[1].base-url: required",
                "routes[0].rules[0].use[1]: backend 'a' is listed twice",
                "routes[1].aliases: model name 'chat' is already used by route 'chat'",
                "routes[1].rules: required (at least one rule)");
    }

    @Test
    void aBackendMustDeclareResidency() {
        String yaml = """
                backends:
                  - { name: a, base-url: "http://x:1/v1", model: m }
                routes:
                  - { name: chat, rules: [ { use: [a] } ] }
                """;
        assertThat(errors(yaml)).containsExactly(
                "backends[0].residency: required (internal or external): every backend must say where data goes");
    }

    @Test
    void emptyBackendsAndRoutesAreErrors() {
        assertThat(errors("backends: []\nroutes: []\n")).containsExactly(
                "backends: required (at least one backend)", "routes: required (at least one route)");
    }

    @Test
    void theStateStoreIsMemoryByDefaultAndRedisByConfig() {
        String base = VALID.replace("${env:HOSTED_KEY}", "k");
        assertThat(ConfigLoader.withEnv(n -> null).parse(base, "t").state()).isEqualTo(StateSpec.MEMORY);
        StateSpec redis = ConfigLoader.withEnv(n -> "s3cret").parse(base + "state:\n  store: redis\n  redis:\n"
                + "    uri: redis://cache.internal:6380/2\n    password: ${env:REDIS_PASSWORD}\n    timeout: 100ms\n"
                + "  when-unavailable: { budgets: reject, capacity: local, rate-limits: reject }\n", "t").state();
        assertThat(redis.store()).isEqualTo(StateSpec.Store.REDIS);
        assertThat(redis.redis().uri()).isEqualTo("redis://cache.internal:6380/2");
        assertThat(redis.redis().password().reveal()).isEqualTo("s3cret");
        assertThat(redis.redis().timeout()).hasMillis(100);
        assertThat(redis.redis().keyPrefix()).isEqualTo("switchboard:");
        assertThat(redis.whenUnavailable()).isEqualTo(new StateSpec.WhenUnavailable(StateSpec.BudgetFallback.REJECT,
                StateSpec.CapacityFallback.LOCAL, StateSpec.RateLimitFallback.REJECT));
    }

    @Test
    void stateErrorsNameTheirField() {
        String base = VALID.replace("${env:HOSTED_KEY}", "k");
        assertThat(errors(base + "state: { store: redis }\n")).containsExactly(
                "state.redis: required with 'store: redis' (at least the uri)");
        assertThat(errors(base + "state: { store: redis, redis: { uri: 'redis://u:pw@h:6379', lease: 1s } }\n"))
                .containsExactly("state.redis.uri: holds credentials; put them in redis.username and redis.password "
                        + "(for example ${env:REDIS_PASSWORD}) so that they never show in admin output",
                        "state.redis.lease: 1000ms (expected: at least 3s; leases are renewed every third)");
        assertThat(errors(base + "state: { store: disk }\n")).containsExactly(
                "state.store: 'disk' (expected one of: memory, redis)");
        assertThat(errors(base + "state: { store: redis, redis: { uri: 'http://h' }, "
                + "when-unavailable: { budgets: allow } }\n")).containsExactly(
                "state.when-unavailable.budgets: 'allow' (expected one of: internal-only, reject)",
                "state.redis.uri: 'http://h' (expected: redis://host:port or rediss://host:port)");
        assertThat(errors(base + "cache: { shared: true }\n")).containsExactly(
                "cache.shared: a shared cache needs 'state: { store: redis }'");
    }

    @Test
    void malformedYamlNamesTheLine() {
        assertThat(errors("backends: [\n  - name: x\n")).singleElement().asString()
                .startsWith("not valid YAML at line");
    }

    @Test
    void unknownTopLevelKeysAreErrors() {
        assertThat(errors(VALID.replace("${env:HOSTED_KEY}", "k") + "rutes: []\n")).containsExactly(
                "rutes: unknown key (expected one of: alerts, audit, backends, budgets, cache, compliance, quotas, rate-limits, resilience, routes, server, state, telemetry)");
    }

    @Test
    void loadsFromAFileAndReportsAMissingOne(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, VALID.replace("${env:HOSTED_KEY}", "literal"));
        assertThat(ConfigLoader.withSystemEnv().load(file).backends()).hasSize(2);
        assertThatThrownBy(() -> ConfigLoader.withSystemEnv().load(dir.resolve("missing.yaml")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cannot read file");
    }

    /** A one-backend config that ends at {@code resilience:}, for a test to add a key under it. */
    private static final String WITH_RESILIENCE = """
            backends: [ { name: b, base-url: "http://b:1/v1", model: m, residency: internal } ]
            routes: [ { name: chat, rules: [ { use: [b] } ] } ]
            resilience:
            """;

    @Test
    void overloadLimitOffIsOffEvenThoughYamlReadsItAsFalse() {
        ConfigLoader loader = ConfigLoader.withEnv(n -> null);
        assertThat(loader.parse(WITH_RESILIENCE + "  overload: { limit: off }\n", "t").overload().mode())
                .isEqualTo(OverloadSpec.Mode.OFF);
        assertThat(loader.parse(WITH_RESILIENCE + "  overload: { limit: adaptive, initial: 50 }\n", "t").overload())
                .isEqualTo(new OverloadSpec(OverloadSpec.Mode.ADAPTIVE, 50, 10, 2000));
        assertThat(loader.parse(WITH_RESILIENCE + "  overload: { limit: fixed, initial: 3 }\n", "t").overload())
                .isEqualTo(new OverloadSpec(OverloadSpec.Mode.FIXED, 3, 3, 3));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> loader.parse(WITH_RESILIENCE
                + "  overload: { limit: adaptive, initial: 5, min: 10 }\n", "t"))
                .hasMessageContaining("resilience.overload.initial: 5 (expected: between min 10 and max 2000)");
    }

    @Test
    void theEdgeShedsAfterOneMillisecondOfQueueUnlessToldOtherwise() {
        ConfigLoader loader = ConfigLoader.withEnv(n -> null);
        // The documented default (FAILURES.md, CONFIG.md), chosen on BENCHMARKS.md section 7's runs.
        assertThat(loader.parse(WITH_RESILIENCE + "  overload: { limit: adaptive }\n", "t").overload().maxQueueDelay())
                .isEqualTo(java.time.Duration.ofMillis(1));
        assertThat(loader.parse(WITH_RESILIENCE + "  overload: { limit: adaptive, max-queue-delay: 3ms }\n", "t").overload()
                .maxQueueDelay()).isEqualTo(java.time.Duration.ofMillis(3));
        assertThat(loader.parse(WITH_RESILIENCE + "  overload: { limit: adaptive, max-queue-delay: 0s }\n", "t").overload()
                .maxQueueDelay()).isZero();
    }
}
