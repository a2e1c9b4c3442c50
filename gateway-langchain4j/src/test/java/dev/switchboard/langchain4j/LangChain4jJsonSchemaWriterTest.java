package dev.switchboard.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.model.chat.request.json.JsonAnyOfSchema;
import dev.langchain4j.model.chat.request.json.JsonNullSchema;
import dev.langchain4j.model.chat.request.json.JsonNumberSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonReferenceSchema;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import org.junit.jupiter.api.Test;

class LangChain4jJsonSchemaWriterTest {
    @Test
    void definitionsReferencesAnyOfAndRawSchemasAreJsonSchema() {
        JsonObjectSchema node = JsonObjectSchema.builder()
                .addProperty("value", new JsonNumberSchema())
                .addProperty("next", JsonAnyOfSchema.builder().anyOf(
                        JsonReferenceSchema.builder().reference("node").build(), new JsonNullSchema()).build())
                .build();
        JsonNode out = JsonSchemaWriter.write(JsonObjectSchema.builder()
                .description("a linked list")
                .addProperty("head", JsonReferenceSchema.builder().reference("node").build())
                .addProperty("meta", JsonRawSchema.from("{\"type\":\"object\",\"minProperties\":1}"))
                .addProperty("name", JsonStringSchema.builder().description("list name").build())
                .definitions(java.util.Map.of("node", node))
                .build());

        assertThat(out.get("description").asText()).isEqualTo("a linked list");
        assertThat(out.at("/properties/head/$ref").asText()).isEqualTo("#/$defs/node");
        assertThat(out.at("/properties/meta/minProperties").asInt()).isEqualTo(1);
        assertThat(out.at("/properties/name/description").asText()).isEqualTo("list name");
        assertThat(out.at("/$defs/node/properties/value/type").asText()).isEqualTo("number");
        assertThat(out.at("/$defs/node/properties/next/anyOf/0/$ref").asText()).isEqualTo("#/$defs/node");
        assertThat(out.at("/$defs/node/properties/next/anyOf/1/type").asText()).isEqualTo("null");
    }

    @Test
    void aRawSchemaThatIsNotAnObjectIsRefused() {
        assertThatThrownBy(() -> JsonSchemaWriter.write(JsonRawSchema.from("[1]")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected: a JSON object");
    }
}
