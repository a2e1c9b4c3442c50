package dev.switchboard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The published schema ({@code docs/switchboard.schema.json}, what editors check {@code switchboard.yaml} with)
 * accepts every example config, and catches what {@code validate} would: a misspelled key, a wrong enumerated word.
 */
class ConfigSchemaExamplesTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static Schema schema() throws Exception {
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(Files.newInputStream(Path.of("..", "docs", "switchboard.schema.json")));
    }

    @Test
    void everyExampleConfigConformsAndMistakesAreCaught() throws Exception {
        Schema schema = schema();
        List<Path> configs;
        try (Stream<Path> files = Files.list(Path.of("configs"))) {
            configs = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(configs).hasSizeGreaterThan(5);
        for (Path config : configs) {
            JsonNode tree = YAML.readTree(config.toFile());
            assertThat(schema.validate(tree)).as(config.toString()).isEmpty();
        }
        ObjectNode typo = (ObjectNode) YAML.readTree(Path.of("configs", "demo.yaml").toFile());
        typo.set("rutes", typo.get("routes"));
        assertThat(schema.validate(typo)).isNotEmpty();
        ObjectNode word = (ObjectNode) YAML.readTree(Path.of("configs", "demo.yaml").toFile());
        ((ObjectNode) word.get("backends").get(0)).put("residency", "offshore");
        assertThat(schema.validate(word)).isNotEmpty();
    }

    /** Every place of the schema as a dotted path (list items folded into their list): server.auth.keys.quota. */
    private static void paths(JsonNode node, String prefix, java.util.Set<String> out) {
        if (node.has("items")) {
            JsonNode items = node.get("items");
            paths(items.has("anyOf") ? items.get("anyOf").get(0) : items, prefix, out);
            return;
        }
        if (node.has("properties")) {
            node.get("properties").fields().forEachRemaining(e -> {
                String p = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
                out.add(p);
                paths(e.getValue(), p, out);
            });
        }
    }

    @Test
    void everyConfigKeyTheDocsNameInTheirTextExists() throws Exception {
        java.util.Set<String> paths = new java.util.TreeSet<>();
        paths(new ObjectMapper().readTree(Path.of("..", "docs", "switchboard.schema.json").toFile()), "", paths);
        java.util.Set<String> keyNames = new java.util.HashSet<>();
        paths.forEach(p -> keyNames.addAll(List.of(p.split("\\."))));
        List<Path> docs = new java.util.ArrayList<>(List.of(Path.of("..", "README.md"), Path.of("README.md")));
        try (Stream<Path> files = Files.list(Path.of("..", "docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).forEach(docs::add);
        }
        java.util.regex.Pattern dotted = java.util.regex.Pattern.compile("`([a-z][a-z0-9-]*(?:\\.[a-z][a-z0-9-]*)+)`");
        java.util.Set<String> missing = new java.util.TreeSet<>();
        int checked = 0;
        for (Path doc : docs) {
            java.util.regex.Matcher m = dotted.matcher(Files.readString(doc));
            while (m.find()) {
                String key = m.group(1);
                String[] parts = key.split("\\.");
                // A config key is made of config key names (not a file, a package, a host or a Java name).
                if (!java.util.Arrays.stream(parts).allMatch(keyNames::contains)) {
                    continue;
                }
                checked++;
                if (paths.stream().noneMatch(p -> p.equals(key) || p.endsWith("." + key))) {
                    missing.add(doc.getFileName() + ": " + key);
                }
            }
        }
        assertThat(missing).as("config keys the docs name that the loader does not accept").isEmpty();
        assertThat(checked).isGreaterThan(20);
    }
}
