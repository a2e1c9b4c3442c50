package dev.switchboard.langchain4j;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.model.chat.request.json.JsonAnyOfSchema;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonBooleanSchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonNullSchema;
import dev.langchain4j.model.chat.request.json.JsonNumberSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonReferenceSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import java.util.Map;

/**
 * LangChain4j's schema elements as the JSON Schema an OpenAI {@code tools[].function.parameters} or
 * {@code response_format.json_schema.schema} holds. LangChain4j's own converter is in its internal package, so the
 * few element types are written here.
 */
final class JsonSchemaWriter {
    private JsonSchemaWriter() {
    }

    static ObjectNode write(JsonSchemaElement element) {
        ObjectNode out = OpenAiJson.MAPPER.createObjectNode();
        if (element instanceof JsonObjectSchema o) {
            out.put("type", "object");
            description(out, o.description());
            ObjectNode properties = out.putObject("properties");
            if (o.properties() != null) {
                o.properties().forEach((name, property) -> properties.set(name, write(property)));
            }
            if (o.required() != null && !o.required().isEmpty()) {
                ArrayNode required = out.putArray("required");
                o.required().forEach(required::add);
            }
            if (o.additionalProperties() != null) {
                out.put("additionalProperties", o.additionalProperties());
            }
            Map<String, JsonSchemaElement> definitions = o.definitions();
            if (definitions != null && !definitions.isEmpty()) {
                ObjectNode defs = out.putObject("$defs");
                definitions.forEach((name, def) -> defs.set(name, write(def)));
            }
        } else if (element instanceof JsonStringSchema s) {
            typed(out, "string", s.description());
        } else if (element instanceof JsonIntegerSchema i) {
            typed(out, "integer", i.description());
        } else if (element instanceof JsonNumberSchema n) {
            typed(out, "number", n.description());
        } else if (element instanceof JsonBooleanSchema b) {
            typed(out, "boolean", b.description());
        } else if (element instanceof JsonEnumSchema e) {
            typed(out, "string", e.description());
            ArrayNode values = out.putArray("enum");
            e.enumValues().forEach(values::add);
        } else if (element instanceof JsonArraySchema a) {
            typed(out, "array", a.description());
            if (a.items() != null) {
                out.set("items", write(a.items()));
            }
        } else if (element instanceof JsonAnyOfSchema any) {
            description(out, any.description());
            ArrayNode anyOf = out.putArray("anyOf");
            any.anyOf().forEach(option -> anyOf.add(write(option)));
        } else if (element instanceof JsonReferenceSchema r) {
            // Definitions are written under $defs of the root object above.
            out.put("$ref", "#/$defs/" + r.reference());
        } else if (element instanceof JsonNullSchema) {
            out.put("type", "null");
        } else if (element instanceof JsonRawSchema raw) {
            return parseRaw(raw.schema());
        } else {
            throw new IllegalArgumentException("schema element: " + element.getClass().getName()
                    + " (expected: one of LangChain4j's Json*Schema types)");
        }
        return out;
    }

    private static void typed(ObjectNode out, String type, String description) {
        out.put("type", type);
        description(out, description);
    }

    private static void description(ObjectNode out, String description) {
        if (description != null) {
            out.put("description", description);
        }
    }

    private static ObjectNode parseRaw(String schema) {
        try {
            JsonNode node = OpenAiJson.MAPPER.readTree(schema);
            if (!(node instanceof ObjectNode object)) {
                throw new IllegalArgumentException("raw schema: " + node.getNodeType() + " (expected: a JSON object)");
            }
            return object;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("raw schema: not JSON (" + e.getOriginalMessage() + ")", e);
        }
    }
}
