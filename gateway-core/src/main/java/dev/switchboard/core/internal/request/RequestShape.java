package dev.switchboard.core.internal.request;

import static com.fasterxml.jackson.databind.node.JsonNodeType.ARRAY;
import static com.fasterxml.jackson.databind.node.JsonNodeType.BOOLEAN;
import static com.fasterxml.jackson.databind.node.JsonNodeType.NUMBER;
import static com.fasterxml.jackson.databind.node.JsonNodeType.OBJECT;
import static com.fasterxml.jackson.databind.node.JsonNodeType.STRING;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.GatewayException;
import java.util.Map;

/**
 * The OpenAI chat-completions and embeddings request shapes, checked right after the body is parsed and before
 * any routing. A field of the wrong type is a 400 {@code invalid_request_error} whose {@code param} is the field's
 * JSON path ({@code messages[0].content[2].text}): otherwise the body would be routed, cost a backend call and come
 * back as that backend's own 400 — or be read one way by the gateway (prompt text, tools, images) and another way
 * upstream.
 *
 * <p>Only fields the OpenAI schema defines are checked, for their type and for the few it requires. Any other
 * field — a vendor extension such as {@code chat_template_kwargs} — passes through as it came, whatever its type:
 * clients of self-hosted models depend on it. An optional field set to {@code null} counts as absent.
 *
 * <p>This runs on every request, so it reads each node once and allocates nothing while the body is good: a
 * failure is thrown up the walk as a {@link Fault}, and each level puts its own step in front of the path on the
 * way out. Messages older than this class ({@code 'stream' must be true or false}, ...) are kept word for word:
 * clients and tests match them.
 */
public final class RequestShape {
    private static final String ROLES = "one of system, developer, user, assistant, tool, function";
    private static final String CONTENT = "a string or an array of content parts";

    private RequestShape() {}

    /** Checks a chat-completions body; throws a 400 {@link GatewayException} naming the first field at fault. */
    public static void checkChat(ObjectNode body) {
        try {
            model(body);
            JsonNode messages = null;
            for (Map.Entry<String, JsonNode> field : body.properties()) {
                JsonNode v = field.getValue();
                if (v.isNull()) {
                    continue; // as absent; a null model or messages is caught as missing
                }
                String name = field.getKey();
                try {
                    switch (name) {
                        case "messages" -> messages = v; // checked last: a bad parameter is named before them
                        // These four keep their messages word for word.
                        case "stream" -> must(v.isBoolean(), "must be true or false");
                        case "temperature" -> must(v.isNumber(), "must be a number");
                        case "stream_options" -> must(v.isObject(), "must be an object");
                        case "max_tokens", "max_completion_tokens" -> must(positiveInt(v),
                                "must be a positive integer");
                        case "logprobs", "parallel_tool_calls", "store" -> is(v, BOOLEAN);
                        case "top_p", "presence_penalty", "frequency_penalty" -> is(v, NUMBER);
                        case "user", "reasoning_effort", "service_tier" -> is(v, STRING);
                        case "audio" -> is(v, OBJECT);
                        // A seed may exceed a long: any integer is one.
                        case "seed", "n", "top_logprobs" -> must(v.isIntegralNumber(), "an integer", v);
                        case "tool_choice", "function_call" -> must(v.isTextual() || v.isObject(),
                                "a string or an object", v);
                        case "stop", "modalities" -> strings(v, name.equals("stop"));
                        case "metadata", "logit_bias" -> values(v, name.equals("metadata") ? STRING : NUMBER);
                        case "tools", "functions" -> tools(v, name.equals("functions"));
                        case "response_format" -> {
                            is(v, OBJECT);
                            expect(v, "type", STRING, true);
                            expect(v, "json_schema", OBJECT, false);
                        }
                        case "prediction" -> {
                            is(v, OBJECT);
                            expect(v, "type", STRING, false);
                            content(v.get("content"));
                        }
                        default -> { } // the model, checked above, or a field of the client's and its backend's
                    }
                } catch (Fault f) {
                    throw f.under(name);
                }
            }
            if (messages == null || !messages.isArray()) {
                throw new Fault("messages", "is required and must be an array");
            }
            if (messages.isEmpty()) {
                throw new Fault("messages", "must not be empty");
            }
            for (int i = 0; i < messages.size(); i++) {
                try {
                    message(messages.get(i));
                } catch (Fault f) {
                    throw f.under("messages[" + i + "]");
                }
            }
        } catch (Fault f) {
            throw f.toException();
        }
    }

    /** Checks an embeddings body; throws a 400 {@link GatewayException} naming the first field at fault. */
    public static void checkEmbeddings(ObjectNode body) {
        try {
            model(body);
            expect(body, "encoding_format", STRING, false);
            expect(body, "user", STRING, false);
            JsonNode dimensions = body.get("dimensions");
            if (!absent(dimensions) && !positiveInt(dimensions)) {
                throw new Fault("dimensions", "must be a positive integer");
            }
            JsonNode input = body.get("input");
            if (input == null || !(input.isTextual() || input.isArray())) {
                throw new Fault("input", "is required and must be a string or an array");
            }
            if (input.isArray()) {
                try {
                    input(input);
                } catch (Fault f) {
                    throw f.under("input");
                }
            }
        } catch (Fault f) {
            throw f.toException();
        }
    }

    /** Texts, one text's token ids, or several texts' token ids: one form for the whole array, as OpenAI takes it. */
    private static void input(JsonNode input) {
        if (input.isEmpty()) {
            throw new Fault("", "must not be empty");
        }
        JsonNodeType form = input.get(0).getNodeType();
        if (form != STRING && form != ARRAY && !input.get(0).isIntegralNumber()) {
            throw wrong("[0]", "a string, an integer or an array of integers", input.get(0));
        }
        for (int k = 0; k < input.size(); k++) {
            JsonNode e = input.get(k);
            if (e.getNodeType() != form || form == NUMBER && !e.isIntegralNumber()) {
                throw wrong("[" + k + "]", (form == STRING ? "a string" : form == ARRAY ? "an array of integers"
                        : "an integer") + " like input[0]", e);
            }
            if (form == ARRAY && e.isEmpty()) {
                throw new Fault("[" + k + "]", "must not be empty");
            }
            for (int t = 0; form == ARRAY && t < e.size(); t++) {
                if (!e.get(t).isIntegralNumber()) {
                    throw wrong("[" + k + "][" + t + "]", "an integer", e.get(t));
                }
            }
        }
    }

    private static void model(ObjectNode body) {
        JsonNode model = body.get("model");
        if (absent(model)) {
            throw new Fault("model", "is required");
        }
        if (!model.isTextual() || model.textValue().isBlank()) {
            throw new Fault("model", "must be a non-empty string");
        }
    }

    private static void message(JsonNode m) {
        if (!m.isObject()) {
            throw new Fault("", "must be an object");
        }
        JsonNode role = m.get("role");
        if (role == null || !role.isTextual()) {
            throw wrong("role", ROLES, role);
        }
        boolean assistant = switch (role.textValue()) {
            case "assistant" -> true;
            case "system", "developer", "user", "tool", "function" -> false;
            default -> throw new Fault("role", "must be " + ROLES); // not echoed: error messages reach logs
        };
        JsonNode content = m.get("content");
        if (absent(content) && !assistant) {
            throw wrong("content", CONTENT, content);
        }
        if (absent(content) && absent(m.get("tool_calls")) && absent(m.get("function_call"))
                && absent(m.get("refusal")) && absent(m.get("audio"))) {
            // An assistant turn may be only a call (or a refusal, or an earlier audio answer), but not nothing.
            throw new Fault("content", "is required unless the message has tool_calls, function_call, refusal or "
                    + "audio");
        }
        // The fields as they stand rather than a lookup for each the schema knows: a message has two or three.
        for (Map.Entry<String, JsonNode> field : m.properties()) {
            JsonNode v = field.getValue();
            String name = field.getKey();
            if (v.isNull()) {
                continue;
            }
            switch (name) {
                case "content" -> content(v);
                case "name", "tool_call_id", "refusal" -> must(v.isTextual(), name, "a string", v);
                case "audio" -> must(v.isObject(), name, "an object", v);
                case "function_call" -> called(v, name);
                case "tool_calls" -> toolCalls(v);
                default -> { } // the role, checked above, or a vendor's field
            }
        }
    }

    private static void toolCalls(JsonNode calls) {
        must(calls.isArray(), "tool_calls", "an array", calls);
        for (int j = 0; j < calls.size(); j++) {
            JsonNode call = calls.get(j);
            try {
                is(call, OBJECT);
                expect(call, "id", STRING, false);
                JsonNode type = expect(call, "type", STRING, false);
                if (absent(type) || type.textValue().equals("function")) { // other types (custom tools) pass
                    called(expect(call, "function", OBJECT, true), "function");
                }
            } catch (Fault f) {
                throw f.under("tool_calls[" + j + "]");
            }
        }
    }

    /** A function the model called: its arguments are JSON text, not JSON (the usual mistake). */
    private static void called(JsonNode fn, String at) {
        must(fn.isObject(), at, "an object", fn);
        try {
            expect(fn, "name", STRING, true);
            JsonNode arguments = fn.get("arguments");
            if (arguments == null || !arguments.isTextual()) {
                throw wrong("arguments", "a string of JSON text", arguments);
            }
        } catch (Fault f) {
            throw f.under(at);
        }
    }

    /** A message's (or a prediction's) content: a string or an array of typed parts. */
    private static void content(JsonNode c) {
        if (c == null || !c.isTextual() && !c.isArray()) {
            throw wrong("content", CONTENT, c);
        }
        for (int j = 0; j < c.size(); j++) {
            JsonNode p = c.get(j);
            try {
                is(p, OBJECT);
                String type = expect(p, "type", STRING, true).textValue();
                switch (type) {
                    case "text", "refusal" -> expect(p, type, STRING, true);
                    case "input_audio", "file" -> expect(p, type, OBJECT, true);
                    case "image_url" -> { // OpenAI takes {"url": ...} here, not the bare URL
                        JsonNode url = expect(p, "image_url", OBJECT, true).get("url");
                        if (url == null || !url.isTextual()) {
                            throw wrong("image_url.url", "a string", url);
                        }
                    }
                    default -> { } // a vendor's part type, or one newer than this class
                }
            } catch (Fault f) {
                throw f.under("content[" + j + "]");
            }
        }
    }

    /** {@code tools} (function tools, or other typed tools passed as they are) or the legacy {@code functions}. */
    private static void tools(JsonNode tools, boolean legacy) {
        is(tools, ARRAY);
        for (int k = 0; k < tools.size(); k++) {
            JsonNode tool = tools.get(k);
            try {
                is(tool, OBJECT);
                if (legacy) {
                    function(tool);
                } else if (expect(tool, "type", STRING, true).textValue().equals("function")) {
                    JsonNode fn = expect(tool, "function", OBJECT, true);
                    try {
                        function(fn);
                    } catch (Fault f) {
                        throw f.under("function");
                    }
                }
            } catch (Fault f) {
                throw f.under("[" + k + "]");
            }
        }
    }

    /** A function the model may call. */
    private static void function(JsonNode fn) {
        expect(fn, "name", STRING, true);
        expect(fn, "description", STRING, false);
        expect(fn, "parameters", OBJECT, false);
        expect(fn, "strict", BOOLEAN, false);
    }

    /** {@code stop} (a string or strings) or {@code modalities} (strings). */
    private static void strings(JsonNode v, boolean oneWillDo) {
        if (oneWillDo && v.isTextual()) {
            return;
        }
        if (!v.isArray()) {
            throw wrong("", oneWillDo ? "a string or an array of strings" : "an array of strings", v);
        }
        for (int k = 0; k < v.size(); k++) {
            if (!v.get(k).isTextual()) {
                throw wrong("[" + k + "]", "a string", v.get(k));
            }
        }
    }

    /**
     * {@code metadata} (strings by key) or {@code logit_bias} (numbers by token id). The error names the object and
     * not the key: a key is the client's text, and error messages go to logs.
     */
    private static void values(JsonNode v, JsonNodeType type) {
        is(v, OBJECT);
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            if (e.getValue().getNodeType() != type) {
                throw wrong("", "an object of " + (type == JsonNodeType.STRING ? "strings" : "numbers"), e.getValue());
            }
        }
    }

    private static boolean positiveInt(JsonNode v) {
        return v.isIntegralNumber() && v.canConvertToInt() && v.intValue() > 0;
    }

    /** Fails, unless {@code ok}, with what the field {@code says}. */
    private static void must(boolean ok, String says) {
        if (!ok) {
            throw new Fault("", says);
        }
    }

    /** Fails, unless {@code ok}, saying what was {@code expected} and what came instead. */
    private static void must(boolean ok, String expected, JsonNode v) {
        must(ok, "", expected, v);
    }

    private static void must(boolean ok, String field, String expected, JsonNode v) {
        if (!ok) {
            throw wrong(field, expected, v);
        }
    }

    /** The owner's field, checked for its type when present and for presence when required. */
    private static JsonNode expect(JsonNode owner, String field, JsonNodeType type, boolean required) {
        JsonNode v = owner.get(field);
        if (absent(v) ? required : v.getNodeType() != type) {
            throw wrong(field, describe(type), v);
        }
        return v;
    }

    private static void is(JsonNode v, JsonNodeType type) {
        if (v.getNodeType() != type) {
            throw wrong("", describe(type), v);
        }
    }

    private static boolean absent(JsonNode v) {
        return v == null || v.isNull();
    }

    /** A field that is missing ({@code v} null) or of the wrong type. */
    private static Fault wrong(String path, String expected, JsonNode v) {
        if (v == null) {
            return new Fault(path, "is required");
        }
        String got = v.isNull() ? "null" : v.isBoolean() ? "a boolean" : describe(v.getNodeType());
        return new Fault(path, "must be " + expected + " (got " + got + ")");
    }

    private static String describe(JsonNodeType type) {
        return switch (type) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "true or false";
            case ARRAY -> "an array";
            default -> "an object";
        };
    }

    /**
     * The first field at fault, thrown up the walk (no stack trace: it never leaves this class) while each level
     * puts its own step in front of the path.
     */
    private static final class Fault extends RuntimeException {
        private String path;
        private final String says;

        Fault(String path, String says) {
            super(null, null, false, false);
            this.path = path;
            this.says = says;
        }

        Fault under(String step) {
            path = path.isEmpty() || path.charAt(0) == '[' ? step + path : step + "." + path;
            return this;
        }

        GatewayException toException() {
            return GatewayException.invalid(path, "'" + path + "' " + says);
        }
    }
}
