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
}
