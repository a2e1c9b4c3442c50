package dev.switchboard.testkit.corpus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the OpenAI API accepts, written out for the fields the corpus uses: roles, content as a string or an
 * array of parts, tool calls with string arguments, tool results answering a call, and numbers only where the
 * schema has numbers (or in vendor fields the API ignores).
 */
final class OpenAiShapes {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");
    private static final Set<String> NUMERIC_FIELDS = Set.of("seed", "temperature", "max_tokens", "dimensions");
    private static final Pattern SEGMENT = Pattern.compile("([A-Za-z_]+)((?:\\[\\d+])*)");
    private static final Pattern INDEX = Pattern.compile("\\[(\\d+)]");

    private OpenAiShapes() {
    }

    static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    static void assertChat(JsonNode body) {
        assertThat(body.path("model").asText()).isEqualTo("chat");
        JsonNode messages = body.get("messages");
        assertThat(messages.isArray() && messages.size() >= 1 && messages.size() <= 6).as("1-6 messages").isTrue();
        Set<String> callIds = new HashSet<>();
        for (JsonNode message : messages) {
            String role = message.path("role").asText();
            assertThat(ROLES).contains(role);
            JsonNode content = message.get("content");
            boolean callsTools = message.has("tool_calls");
            if (content == null || content.isNull()) {
                assertThat(role.equals("assistant") && callsTools).as("only a tool-calling assistant has no content")
                        .isTrue();
            } else if (content.isArray()) {
                assertThat(content.size()).isPositive();
                for (JsonNode part : content) {
                    String type = part.path("type").asText();
                    if (type.equals("text")) {
                        assertThat(part.get("text").isTextual()).isTrue();
                    } else if (type.equals("image_url")) {
                        assertThat(role).isEqualTo("user");
                        assertThat(part.path("image_url").path("url").isTextual()).isTrue();
                    } else {
                        fail("unknown part type " + type);
                    }
                }
            } else {
                assertThat(content.isTextual()).as("content is a string or parts").isTrue();
            }
            for (String field : List.of("name", "refusal", "tool_call_id")) {
                assertThat(!message.has(field) || message.get(field).isTextual()).as(field).isTrue();
            }
            if (callsTools) {
                assertThat(role).isEqualTo("assistant");
                for (JsonNode call : message.get("tool_calls")) {
                    assertThat(call.path("type").asText()).isEqualTo("function");
                    assertThat(call.path("function").path("name").isTextual()).isTrue();
                    JsonNode arguments = call.path("function").path("arguments");
                    assertThat(arguments.isTextual()).as("arguments is a JSON-encoded string").isTrue();
                    assertThat(parse(arguments.textValue()).isObject()).isTrue();
                    callIds.add(call.path("id").asText());
                }
            }
            if (role.equals("tool")) {
                assertThat(callIds).as("a tool result answers an earlier call").contains(message.path("tool_call_id")
                        .asText());
            }
        }
        if (body.has("tools")) {
            for (JsonNode tool : body.get("tools")) {
                assertThat(tool.path("type").asText()).isEqualTo("function");
                JsonNode function = tool.get("function");
                assertThat(function.path("name").isTextual() && function.path("description").isTextual()).isTrue();
                assertThat(function.path("parameters").path("type").asText()).isEqualTo("object");
                for (JsonNode property : function.path("parameters").path("properties")) {
                    assertThat(property.path("description").isTextual()).isTrue();
                    property.path("enum").forEach(value -> assertThat(value.isTextual()).isTrue());
                }
            }
        }
        JsonNode stop = body.get("stop");
        if (stop != null) {
            assertThat(stop.isTextual() || (stop.isArray() && stop.size() <= 4)).isTrue();
            stop.forEach(s -> assertThat(s.isTextual()).isTrue());
        }
        assertThat(!body.has("user") || body.get("user").isTextual()).isTrue();
        body.path("metadata").forEach(value -> assertThat(value.isTextual()).isTrue());
        if (body.has("prediction")) {
            assertThat(body.path("prediction").path("type").asText()).isEqualTo("content");
            assertThat(body.path("prediction").path("content").isTextual()).isTrue();
        }
        assertThat(!body.has("seed") || body.get("seed").isIntegralNumber()).isTrue();
        assertThat(!body.has("max_tokens") || body.get("max_tokens").isInt()).isTrue();
        assertThat(!body.has("stream") || body.get("stream").isBoolean()).isTrue();
        assertNumbersOnlyWhereAllowed(body);
    }

    static void assertEmbeddings(JsonNode body) {
        assertThat(body.path("model").asText()).isEqualTo("embed");
        JsonNode input = body.get("input");
        if (input.isArray()) {
            assertThat(input.size()).isPositive();
            input.forEach(i -> assertThat(i.isTextual()).isTrue());
        } else {
            assertThat(input.isTextual()).isTrue();
        }
        assertThat(!body.has("user") || body.get("user").isTextual()).isTrue();
        assertNumbersOnlyWhereAllowed(body);
    }

    /** Numbers appear only in the top-level numeric parameters and in vendor fields. */
    private static void assertNumbersOnlyWhereAllowed(JsonNode body) {
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            boolean allowed = NUMERIC_FIELDS.contains(field.getKey()) || field.getKey().startsWith("x_");
            if (!allowed) {
                assertNoNumber(field.getKey(), field.getValue());
            }
        }
    }

    private static void assertNoNumber(String path, JsonNode node) {
        assertThat(node.isNumber()).as("a number at %s", path).isFalse();
        if (node.isObject()) {
            node.properties().forEach(f -> assertNoNumber(path + "." + f.getKey(), f.getValue()));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                assertNoNumber(path + "[" + i + "]", node.get(i));
            }
        }
    }

    /** The body's structure: field names, array lengths and value types, with tool-call arguments decoded. */
    static String shape(JsonNode node) {
        StringBuilder out = new StringBuilder();
        shape(node, out);
        return out.toString();
    }

    private static void shape(JsonNode node, StringBuilder out) {
        if (node.isObject()) {
            out.append('{');
            node.properties().forEach(f -> {
                out.append(f.getKey()).append(':');
                if (f.getKey().equals("arguments") && f.getValue().isTextual()) {
                    shape(parse(f.getValue().textValue()), out.append("json"));
                } else {
                    shape(f.getValue(), out);
                }
                out.append(',');
            });
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            node.forEach(e -> shape(e, out.append(',')));
            out.append(']');
        } else {
            out.append(node.getNodeType());
        }
    }

    /**
     * The node at a corpus path such as {@code messages[1].tool_calls[0].function.arguments.card_number}: a string
     * met before the path ends (tool-call arguments) is decoded as JSON and the path goes on inside it.
     */
    static JsonNode resolve(JsonNode root, String path) {
        JsonNode node = root;
        for (String segment : path.split("\\.")) {
            Matcher m = SEGMENT.matcher(segment);
            assertThat(m.matches()).as("path segment %s of %s", segment, path).isTrue();
            if (node.isTextual()) {
                node = parse(node.textValue());
            }
            node = node.get(m.group(1));
            Matcher index = INDEX.matcher(m.group(2));
            while (node != null && index.find()) {
                node = node.get(Integer.parseInt(index.group(1)));
            }
            assertThat(node).as("%s in %s", path, root).isNotNull();
        }
        return node;
    }

    /** Every string in the body (tool-call arguments decoded) and every number's text, one per line. */
    static String texts(JsonNode node) {
        StringBuilder out = new StringBuilder();
        texts(node, out);
        return out.toString();
    }

    private static void texts(JsonNode node, StringBuilder out) {
        if (node.isContainerNode()) {
            node.forEach(child -> texts(child, out));
            node.properties().forEach(f -> {
                if (f.getKey().equals("arguments") && f.getValue().isTextual()) {
                    texts(parse(f.getValue().textValue()), out);
                }
            });
        } else if (!node.isNull()) {
            out.append(node.asText()).append('\n');
        }
    }
}
