package dev.switchboard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.switchboard.core.config.ConfigLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/Dockerfile} without a Docker daemon: what it says agrees with the product and the Kubernetes base,
 * and its build step (the AOT cache, trained by starting the sidecar on the image's config) and its JVM options run
 * for real here, on the jar the build made, with the JDK the image runs (25).
 */
class DockerfileTest {
    private static final Path ROOT = Path.of("..");
    private static final Path JAR = ROOT.resolve("gateway-server/target/switchboard.jar");
    private static final Map<String, String> ENV = Map.of("HOSTED_API_KEY", "unused",
            "SWITCHBOARD_CLIENT_KEY_SHA256", "0".repeat(64));
    @TempDir
    Path dir;

    /** The Dockerfile's instructions, continuation lines joined, comments dropped. */
    private static List<String> instructions() throws Exception {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(ROOT.resolve("deploy/Dockerfile"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String l = line.strip();
            if (l.endsWith("\\")) {
                current.append(l, 0, l.length() - 1).append(' ');
            } else {
                out.add(current.append(l).toString().replaceAll("\\s+", " "));
                current.setLength(0);
            }
        }
        return out;
    }

    private static String instruction(String keyword, String containing) throws Exception {
        return instructions().stream().filter(i -> i.startsWith(keyword + " ") && i.contains(containing)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + keyword + " with " + containing)).substring(
                        keyword.length() + 1);
    }

    /** The image's paths, as they are here. */
    private String local(String text) {
        return text.replace("/opt/switchboard/switchboard.jar", JAR.toAbsolutePath().toString())
                .replace("/opt/switchboard/switchboard.aot", dir.resolve("switchboard.aot").toString())
                .replace("/etc/switchboard/switchboard.yaml",
                        ROOT.resolve("deploy/kubernetes/base/switchboard.yaml").toAbsolutePath().toString());
    }

    @Test
    void whatTheImageSaysAgreesWithTheProductAndTheKubernetesBase() throws Exception {
        assertThat(instruction("FROM", "")).contains(":25-jre"); // the sidecar's runtime (the library: release 17)
        Matcher user = Pattern.compile("(\\d+):(\\d+)").matcher(instruction("USER", ""));
        assertThat(user.matches()).isTrue();
        assertThat(Integer.parseInt(user.group(1))).isPositive();
        var spec = ConfigLoader.withEnv(ENV::get).load(ROOT.resolve("deploy/kubernetes/base/switchboard.yaml"));
        assertThat(instruction("EXPOSE", "")).isEqualTo(Integer.toString(spec.server().listen().port()));
        // What the image runs by default is what the Deployment runs.
        JsonNode deployment = new YAMLMapper().readTree(ROOT.resolve("deploy/kubernetes/base/deployment.yaml").toFile());
        List<String> args = new ArrayList<>();
        deployment.at("/spec/template/spec/containers/0/args").forEach(a -> args.add(a.asText()));
        assertThat(instruction("CMD", "")).isEqualTo(new ObjectMapper().writeValueAsString(args).replace(",", ", "));
        assertThat(instruction("ENTRYPOINT", "")).contains("/opt/switchboard/switchboard.jar",
                "-XX:AOTCache=/opt/switchboard/switchboard.aot");
        // What it copies exists after the build.
        for (String copy : instructions().stream().filter(i -> i.startsWith("COPY ")).toList()) {
            assertThat(ROOT.resolve(copy.split(" ")[1])).as(copy).exists();
        }
        // Every java in the container is sized to it; only the server starts with its heap (the entry point), and
        // nothing touches it up front: ready in about a second on one core (OPERATIONS.md, "JVM flags").
        assertThat(instruction("ENV", "JAVA_TOOL_OPTIONS")).contains("MaxRAMPercentage", "ExitOnOutOfMemoryError")
                .doesNotContain("AlwaysPreTouch", "InitialRAMPercentage");
        assertThat(instruction("ENTRYPOINT", "")).doesNotContain("AlwaysPreTouch");
        // The young generation capped, so that under load it does not grow to a third of the heap and stay resident.
        assertThat(instruction("ENTRYPOINT", "")).contains("-XX:MaxNewSize=64m");
        // Class metadata never reaches the collector's first threshold (a full collection) when the cache is ignored.
        assertThat(instruction("ENTRYPOINT", "")).contains("-XX:MetaspaceSize=64m");
        // Netty on JDK 25 uses sun.misc.Unsafe only where allowed; the cache is trained as the server runs.
        assertThat(instruction("ENTRYPOINT", "")).contains("--sun-misc-unsafe-memory-access=allow");
        assertThat(instruction("RUN", "AOTCacheOutput")).contains("--sun-misc-unsafe-memory-access=allow");
    }

    /**
     * The java of a JDK 25, as the image has: {@code JAVA25_HOME} (which {@code .ci/run} sets), else a JDK under
     * {@code /usr/lib/jvm} whose {@code release} file says 25.
     */
    static String java25() throws Exception {
        List<Path> homes = new ArrayList<>();
        if (System.getenv("JAVA25_HOME") != null) {
            homes.add(Path.of(System.getenv("JAVA25_HOME")));
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (var all = Files.list(jvms)) {
                all.sorted().forEach(homes::add);
            }
        }
        for (Path home : homes) {
            Path release = home.resolve("release");
            if (Files.isExecutable(home.resolve("bin/java")) && Files.isRegularFile(release)
                    && Files.readString(release).contains("JAVA_VERSION=\"25")) {
                return home.resolve("bin/java").toString();
            }
        }
        throw new AssertionError("the image runs JDK 25, and its build step is run here with one: set JAVA25_HOME "
                + "to a JDK 25 (none under /usr/lib/jvm)");
    }

    @Test
    void theAotCacheStepAndTheJvmOptionsWorkOnTheBuiltJar() throws Exception {
        assertThat(JAR).as("the sidecar's jar: run the README's test command (mvn verify), which builds it first")
                .exists();
        String java = java25();
        // One JVM both makes and reads the cache, as one image's JVM does.
        String training = local(instruction("RUN", "AOTCacheOutput")).replace(" java -XX:", " " + java + " -XX:");
        Process build = new ProcessBuilder("bash", "-euo", "pipefail", "-c", training).redirectErrorStream(true).start();
        String buildLog = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(build.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(build.exitValue()).as(buildLog).isZero();
        assertThat(buildLog).contains("(--exit-when-ready)", "AOTCache creation is complete");
        assertThat(dir.resolve("switchboard.aot")).isNotEmptyFile();

        // The image's entry point and options, with the cache required: a JVM that cannot use it would refuse to
        // start. The heap is sized for this machine (-Xms/-Xmx after the entry point's percentages win).
        String options = local(instruction("ENV", "JAVA_TOOL_OPTIONS").replaceFirst("^JAVA_TOOL_OPTIONS=\"(.*)\"$",
                "$1"));
        ObjectMapper json = new ObjectMapper();
        List<String> command = new ArrayList<>();
        for (JsonNode part : json.readTree(instruction("ENTRYPOINT", ""))) {
            command.add(part.asText().equals("java") ? java : local(part.asText()));
            if (part.asText().equals("java")) {
                command.addAll(List.of("-XX:AOTMode=on"));
            }
        }
        command.addAll(command.indexOf("-jar"), List.of("-Xms64m", "-Xmx256m"));
        for (JsonNode part : json.readTree(instruction("CMD", ""))) {
            command.add(local(part.asText()));
        }
        command.addAll(List.of("--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--exit-when-ready"));
        ProcessBuilder start = new ProcessBuilder(command).redirectErrorStream(true);
        start.environment().putAll(ENV);
        start.environment().put("JAVA_TOOL_OPTIONS", options);
        Process run = start.start();
        String runLog = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(run.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).as(runLog).isZero();
        assertThat(runLog).contains("Picked up JAVA_TOOL_OPTIONS", "switchboard listening on")
                .doesNotContain("Unable to use", "WARNING: A restricted method", "WARNING: A terminally deprecated method");
    }
}
