package dev.switchboard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Docs that cannot drift, for config: every {@code yaml} block of the docs that is a piece of a Switchboard config
 * is read by the same loader {@code validate} uses — completed with the backends and routes it refers to when it shows
 * only a section — and must be valid. A renamed key, a changed value syntax or a removed option fails the build.
 */
class DocsConfigBlocksTest {
    private static final Pattern BLOCK = Pattern.compile("(?ms)^```yaml\\n(.*?)^```");
    private static final Set<String> CONFIG_KEYS = Set.of("server", "backends", "routes", "budgets", "audit",
            "resilience", "compliance", "cache", "rate-limits", "state", "telemetry", "alerts", "quotas");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Backends and routes a section refers to when it does not bring its own. */
    private static final String BASE = """
            backends:
              - { name: hosted-100b, base-url: "https://api.example.com/v1", model: big, residency: external,
                  price: { input-per-mtok: 2, output-per-mtok: 8, currency: CNY } }
              - { name: inhouse-10b, base-url: "http://vllm.internal:8000/v1", model: small, residency: internal,
                  price: { input-per-mtok: 0.1, output-per-mtok: 0.3, currency: CNY } }
            routes:
              - { name: chat, rules: [ { use: [inhouse-10b, hosted-100b] } ] }
            """;

    record Block(Path doc, int line, String yaml) {
        @Override
        public String toString() {
            return doc + ":" + line;
        }
    }

    private static List<Block> blocks() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<Path> docs = new ArrayList<>(List.of(root.resolve("README.md"), root.resolve("examples/README.md")));
        try (Stream<Path> files = Files.list(root.resolve("docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        List<Block> out = new ArrayList<>();
        for (Path doc : docs) {
            String text = Files.readString(doc);
            Matcher m = BLOCK.matcher(text);
            while (m.find()) {
                int line = (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1;
                out.add(new Block(root.relativize(doc), line, m.group(1)));
            }
        }
        return out;
    }

    /** {@code ${env:NAME}} in a doc's block: a value of the right shape, so the block's own syntax is what is checked. */
    private static String env(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        if (n.contains("REDIS")) {
            return "redis://127.0.0.1:6379/0";
        }
        if (n.contains("URL") || n.contains("URI") || n.contains("ENDPOINT")) {
            return "http://127.0.0.1:1/v1";
        }
        return "a-value-long-enough-for-any-secret";
    }

    @Test
    void everyConfigBlockInTheDocsIsValid() throws Exception {
        List<Block> blocks = blocks();
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (Block b : blocks) {
            JsonNode tree;
            try {
                tree = YAML.readTree(b.yaml());
            } catch (IOException e) {
                failures.add(b + ": not YAML: " + e.getMessage().lines().findFirst().orElse(""));
                continue;
            }
            if (tree == null || !tree.isObject() || tree.isEmpty()) {
                continue;
            }
            List<String> keys = new ArrayList<>();
            tree.fieldNames().forEachRemaining(keys::add);
            if (!CONFIG_KEYS.containsAll(keys)) {
                continue; // not a Switchboard config (a Prometheus rule, a Kubernetes manifest, ...)
            }
            ObjectNode whole = (ObjectNode) YAML.readTree(BASE);
            tree.fields().forEachRemaining(e -> whole.set(e.getKey(), e.getValue()));
            if (tree.has("backends") && !tree.has("routes") && tree.get("backends").path(0).hasNonNull("name")) {
                // A backends section alone: a route over its first backend, so the section is read as written.
                whole.set("routes", YAML.readTree("- { name: chat, rules: [ { use: ["
                        + tree.get("backends").get(0).get("name").asText() + "] } ] }"));
            }
            // A state section that names Redis needs nothing running: the loader only reads it.
            try {
                ConfigLoader.withEnv(DocsConfigBlocksTest::env).parse(YAML.writeValueAsString(whole), b.toString());
                checked++;
            } catch (ConfigException e) {
                failures.add(b + ": " + String.join("; ", e.errors().stream().map(Object::toString).toList()));
            }
        }
        assertThat(failures).as("config blocks of the docs that validate refuses").isEmpty();
        assertThat(checked).as("config blocks checked").isGreaterThan(10);
    }
}
