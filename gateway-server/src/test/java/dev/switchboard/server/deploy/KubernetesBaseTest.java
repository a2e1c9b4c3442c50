package dev.switchboard.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes base under {@code deploy/kubernetes}, rendered by {@code kubectl kustomize} (skipped, saying so, where
 * kubectl is not installed), agrees with the product: the config path, the ports, the probes' paths, the grace
 * periods, the image's user — and the rendered pod, run as the sidecar with its own config and arguments, answers its
 * probes and drains on SIGTERM the way the manifest expects.
 */
class KubernetesBaseTest {
    private static final Path KUSTOMIZE = Path.of("..", "deploy", "kubernetes");
    private static final ObjectMapper YAML = new YAMLMapper();
    /** What the Secret switchboard-secrets gives the pod. */
    private static final Map<String, String> SECRETS = Map.of("HOSTED_API_KEY", "sk-test",
            "SWITCHBOARD_CLIENT_KEY_SHA256", "a".repeat(64));
    @TempDir
    Path dir;

    private static List<JsonNode> render(String path) throws Exception {
        String kubectl = java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin").split(":"))
                .map(d -> Path.of(d, "kubectl")).filter(Files::isExecutable).map(Path::toString).findFirst()
                .orElse(null);
        Assumptions.assumeTrue(kubectl != null, "kubectl is not installed: the Kubernetes base is not rendered here");
        Process p = new ProcessBuilder(kubectl, "kustomize", KUSTOMIZE.resolve(path).toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(out)) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
        }
        return docs;
    }

    private static JsonNode one(List<JsonNode> docs, String kind, String name) {
        return docs.stream().filter(d -> d.path("kind").asText().equals(kind)
                && d.at("/metadata/name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in the rendering"));
    }

    private static Map<String, String> env(JsonNode container) {
        Map<String, String> env = new HashMap<>();
        for (JsonNode e : container.path("env")) {
            env.put(e.get("name").asText(), e.has("value") ? e.get("value").asText()
                    : SECRETS.getOrDefault(e.get("name").asText(), "from-" + e.at("/valueFrom/secretKeyRef/name")));
        }
        return env;
    }

    /** The config file the ConfigMap mounts, as the container sees it at its --config path. */
    private static String configText(List<JsonNode> docs, JsonNode container, String configPath) {
        JsonNode pod = one(docs, "Deployment", "switchboard").at("/spec/template/spec");
        Path path = Path.of(configPath);
        JsonNode mount = null;
        for (JsonNode m : container.path("volumeMounts")) {
            if (path.getParent().toString().equals(m.get("mountPath").asText())) {
                mount = m;
            }
        }
        assertThat(mount).as("a volume is mounted at " + path.getParent()).isNotNull();
        assertThat(mount.has("subPath")).as("a subPath mount never sees ConfigMap updates").isFalse();
        String volume = mount.get("name").asText();
        JsonNode source = null;
        for (JsonNode v : pod.path("volumes")) {
            if (v.get("name").asText().equals(volume)) {
                source = v;
            }
        }
        String configMap = source.at("/configMap/name").asText();
        assertThat(configMap).as("no content hash in the name, so an update reloads instead of rolling")
                .isEqualTo("switchboard-config");
        return one(docs, "ConfigMap", configMap).at("/data/" + path.getFileName()).asText();
    }

    private static String argAfter(JsonNode container, String flag) {
        List<String> args = new ArrayList<>();
        container.path("args").forEach(a -> args.add(a.asText()));
        assertThat(args).contains(flag);
        return args.get(args.indexOf(flag) + 1);
    }

    @Test
    void theBaseAgreesWithTheProduct() throws Exception {
        List<JsonNode> docs = render("base");
        JsonNode deployment = one(docs, "Deployment", "switchboard");
        JsonNode pod = deployment.at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");
        assertThat(container.at("/args/0").asText()).isEqualTo("serve");
        String configPath = argAfter(container, "--config");
        GatewaySpec spec = ConfigLoader.withEnv(env(container)::get).parse(configText(docs, container, configPath),
                configPath);

        // Every ${env:NAME} without a default that the config reads, the pod provides.
        Matcher m = Pattern.compile("\\$\\{env:([A-Z0-9_]+)}").matcher(configText(docs, container, configPath));
        while (m.find()) {
            assertThat(env(container)).containsKey(m.group(1));
        }

        // The named port is the API's, and both probes use it with the product's paths.
        int apiPort = spec.server().listen().port();
        JsonNode http = null;
        for (JsonNode p : container.path("ports")) {
            if (p.get("name").asText().equals("http")) {
                http = p;
            }
        }
        assertThat(http.get("containerPort").asInt()).isEqualTo(apiPort);
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
        assertThat(container.at("/livenessProbe/httpGet/port").asText()).isEqualTo("http");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
        assertThat(container.at("/readinessProbe/httpGet/port").asText()).isEqualTo("http");
        assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/healthz");

        // Draining: out of the endpoints before connections are refused, done before the kubelet kills.
        Duration drain = spec.server().drainDelay();
        JsonNode readiness = container.path("readinessProbe");
        assertThat(drain.toSeconds()).isGreaterThanOrEqualTo(
                (long) readiness.get("periodSeconds").asInt() * readiness.get("failureThreshold").asInt());
        assertThat(pod.get("terminationGracePeriodSeconds").asLong())
                .isGreaterThan(spec.server().shutdownGrace().toSeconds());

        // Who runs it: the image's user, never root; the root file system read-only with /tmp writable for Netty.
        Matcher user = Pattern.compile("(?m)^USER (\\d+):(\\d+)$").matcher(
                Files.readString(Path.of("..", "deploy", "Dockerfile")));
        assertThat(user.find()).isTrue();
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/securityContext/runAsUser").asText()).isEqualTo(user.group(1));
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container.path("volumeMounts").toString()).contains("\"mountPath\":\"/tmp\"");
        assertThat(container.at("/resources/requests/cpu").asText()).isNotEmpty();
        assertThat(container.at("/resources/limits/memory").asText()).isNotEmpty();

        // The Service and the PodDisruptionBudget select these pods.
        JsonNode labels = deployment.at("/spec/template/metadata/labels");
        assertThat(deployment.at("/spec/selector/matchLabels")).isEqualTo(labels);
        assertThat(one(docs, "Service", "switchboard").at("/spec/selector")).isEqualTo(labels);
        assertThat(one(docs, "Service", "switchboard").at("/spec/ports/0/targetPort").asText()).isEqualTo("http");
        assertThat(one(docs, "PodDisruptionBudget", "switchboard").at("/spec/selector/matchLabels")).isEqualTo(labels);
        assertThat(spec.state().store().name()).isEqualToIgnoringCase("memory");
    }

    @Test
    void theSharedStateOverlayPointsEverySidecarAtItsRedis() throws Exception {
        List<JsonNode> docs = render("overlays/shared-state");
        JsonNode container = one(docs, "Deployment", "switchboard").at("/spec/template/spec/containers/0");
        String configPath = argAfter(container, "--config");
        GatewaySpec spec = ConfigLoader.withEnv(env(container)::get).parse(configText(docs, container, configPath),
                configPath);
        assertThat(spec.state().store().name()).isEqualToIgnoringCase("redis");
        // The overlay's copy of the config is the base's with a state section, nothing else.
        List<JsonNode> baseDocs = render("base");
        JsonNode baseContainer = one(baseDocs, "Deployment", "switchboard").at("/spec/template/spec/containers/0");
        GatewaySpec base = ConfigLoader.withEnv(env(baseContainer)::get).parse(configText(baseDocs, baseContainer,
                configPath), configPath);
        assertThat(spec.server()).isEqualTo(base.server());
        assertThat(spec.backends()).isEqualTo(base.backends());
        assertThat(spec.routes()).isEqualTo(base.routes());
        assertThat(spec.budgets()).isEqualTo(base.budgets());
        assertThat(spec.compliance()).isEqualTo(base.compliance());
        URI redis = URI.create(spec.state().redis().uri());
        JsonNode service = one(docs, "Service", redis.getHost());
        assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(redis.getPort());
        JsonNode redisPods = one(docs, "Deployment", redis.getHost()).at("/spec/template/metadata/labels");
        assertThat(service.at("/spec/selector")).isEqualTo(redisPods);
        // Redis's pods are not the gateway's: the gateway's Service and budget do not select them.
        assertThat(redisPods.toString()).doesNotContain("\"switchboard\"");
    }

    @Test
    void theRenderedPodAnswersItsProbesAndDrainsOnSigterm() throws Exception {
        List<JsonNode> docs = render("base");
        JsonNode container = one(docs, "Deployment", "switchboard").at("/spec/template/spec/containers/0");
        String configPath = argAfter(container, "--config");
        Path config = dir.resolve(Path.of(configPath).getFileName());
        Files.writeString(config, configText(docs, container, configPath));
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), "dev.switchboard.server.cli.SwitchboardCli"));
        container.path("args").forEach(a -> command.add(a.asText().equals(configPath) ? config.toString() : a.asText()));
        // The pod listens on 0.0.0.0:8080; here a free loopback port stands in for it.
        command.addAll(List.of("--listen", "127.0.0.1:" + port, "--admin", "127.0.0.1:0"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("sidecar.log").toFile());
        builder.environment().putAll(env(container));
        Process sidecar = builder.start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            String base = "http://127.0.0.1:" + port;
            String ready = container.at("/readinessProbe/httpGet/path").asText();
            String live = container.at("/livenessProbe/httpGet/path").asText();
            assertThat(await(http, base + ready, 200)).as(log()).isTrue();
            assertThat(status(http, base + live)).isEqualTo(200);

            sidecar.toHandle().destroy(); // SIGTERM, as the kubelet sends it
            assertThat(await(http, base + ready, 503)).as("not ready while draining; " + log()).isTrue();
            assertThat(status(http, base + live)).as("alive while draining").isEqualTo(200);
            long grace = one(docs, "Deployment", "switchboard").at("/spec/template/spec/terminationGracePeriodSeconds")
                    .asLong();
            assertThat(sidecar.waitFor(grace, TimeUnit.SECONDS)).as("exits within the pod's grace period").isTrue();
            assertThat(sidecar.exitValue()).as(log()).isZero();
        } finally {
            sidecar.destroyForcibly();
        }
    }

    private String log() throws IOException {
        return Files.readString(dir.resolve("sidecar.log"));
    }

    private static int status(HttpClient http, String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static boolean await(HttpClient http, String url, int expected) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < until) {
            if (status(http, url) == expected) {
                return true;
            }
            Thread.sleep(100); // polling another process
        }
        return false;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
