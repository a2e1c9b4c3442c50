package dev.switchboard.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.internal.request.RequestShape;
import dev.switchboard.core.internal.request.TokenEstimator;
import dev.switchboard.core.internal.request.WrittenDecimalNode;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * A client's request body decoded once: the few fields routing needs, plus the original JSON, which is
 * forwarded untouched except for {@code model}. The body must have the OpenAI shape ({@link RequestShape}); its
 * fields — tools, response_format, vendor extensions — pass through as they came.
 */
public final class RequestView {
    static final ObjectMapper JSON = JsonMapper.builder()
            // Keep numbers exactly as sent: 0.1 must not come back as 0.1000000000000000055.
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(com.fasterxml.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // Two "model" keys would let routing and the upstream read different values.
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(200).maxNumberLength(200).build());
    }

    private final Operation operation;
    private final ObjectNode json;
    private final byte[] raw;
    /** Byte offsets of the top-level {@code model} value in {@link #raw}: spliced, not re-encoded, on the way out. */
    private final int modelStart;
    private final int modelEnd;
    private final boolean hasStreamOptions;
    private final String model;
    private final boolean stream;
    private final boolean includeUsage;
    private final OptionalInt maxTokens;
    private final OptionalDouble temperature;
    private final boolean hasTools;
    private final boolean hasImages;
    /** Made on first use ({@link #promptText()}): a decision that counts no tokens and logs no prompt needs none. */
    private volatile String promptText;
    private volatile int promptTokens = -1;

    private RequestView(Operation operation, byte[] raw) {
        this.operation = operation;
        this.raw = raw;
        int[] modelSpan = {-1, -1};
        this.json = parseObject(raw, modelSpan);
        // The whole shape first, before anything is read from it: a wrong type is a 400 naming the field.
        if (operation == Operation.CHAT) {
            RequestShape.checkChat(json);
        } else {
            RequestShape.checkEmbeddings(json);
        }
        this.model = json.get("model").textValue();
        this.modelStart = modelSpan[0];
        this.modelEnd = modelSpan[1];
        this.hasStreamOptions = json.has("stream_options");
        if (operation == Operation.CHAT) {
            this.stream = json.path("stream").asBoolean(false);
            JsonNode options = json.get("stream_options");
            this.includeUsage = options != null && options.path("include_usage").asBoolean(false);
            JsonNode max = json.hasNonNull("max_completion_tokens") ? json.get("max_completion_tokens")
                    : json.get("max_tokens");
            this.maxTokens = max == null || max.isNull() ? OptionalInt.empty() : OptionalInt.of(max.asInt());
            JsonNode t = json.get("temperature");
            this.temperature = t == null || t.isNull() ? OptionalDouble.empty() : OptionalDouble.of(t.asDouble());
            JsonNode tools = json.get("tools");
            this.hasTools = tools != null && tools.isArray() && !tools.isEmpty()
                    || json.has("functions") && json.get("functions").isArray() && !json.get("functions").isEmpty();
            boolean images = false;
            for (JsonNode message : json.get("messages")) {
                for (JsonNode part : message.path("content")) { // a plain text content has no parts
                    String type = part.path("type").asText("");
                    images |= type.equals("image_url") || type.equals("input_image") || type.equals("image");
                }
            }
            this.hasImages = images;
        } else {
            this.stream = false;
            this.includeUsage = false;
            this.maxTokens = OptionalInt.empty();
            this.temperature = OptionalDouble.empty();
            this.hasTools = false;
            this.hasImages = false;
        }
    }

    /** The text a model reads as the prompt, joined from the tree (see {@link #promptText()}). */
    private String buildPromptText() {
        if (operation == Operation.CHAT) {
            JsonNode messages = json.get("messages");
            // The prompt's text has no more characters than the body has bytes: one buffer, not grown and copied
            // as messages are added for usual prompts (capped at 16 K: a body of images does not get a buffer its size).
            StringBuilder text = new StringBuilder(Math.min(raw.length, 16 * 1024));
            for (int i = 0; i < messages.size(); i++) {
                appendText(messages.get(i), text);
            }
            return text.toString();
        }
        JsonNode input = json.get("input");
        StringBuilder text = new StringBuilder();
        if (input.isTextual()) {
            text.append(input.asText());
        } else {
            input.forEach(n -> text.append(n.isTextual() ? n.asText() : n.toString()).append('\n'));
        }
        return text.toString();
    }

    /**
     * Decodes a chat-completions body; a malformed one is a {@link GatewayException} of kind 400. The view keeps
     * {@code body} as its own, without a copy (the bytes are read, scanned and sent upstream from it): do not change
     * the array afterwards.
     */
    public static RequestView chat(byte[] body) {
        return new RequestView(Operation.CHAT, body);
    }

    public static RequestView chat(String body) {
        return chat(body.getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes an embeddings body (the view keeps the array as its own, as {@link #chat(byte[])} does). */
    public static RequestView embeddings(byte[] body) {
        return new RequestView(Operation.EMBEDDINGS, body);
    }

    /** Decodes a body of {@code operation}; like {@link #chat(byte[])}, the view keeps the array as its own. */
    public static RequestView of(Operation operation, byte[] body) {
        return new RequestView(operation, body);
    }

    /**
     * The body's object, read in one pass that also notes where the top-level {@code model} value lies in the bytes
     * ({@code modelSpan}: start and end offsets, quotes included; untouched when the value is no string): the top
     * level is walked here, each value read as a tree. The parser refuses a duplicate key; anything after the object
     * is refused as well.
     */
    private static ObjectNode parseObject(byte[] body, int[] modelSpan) {
        Objects.requireNonNull(body, "body");
        if (body.length == 0) {
            throw GatewayException.invalid(null, "request body is empty (expected a JSON object)");
        }
        try (com.fasterxml.jackson.core.JsonParser p = JSON.createParser(body)) {
            com.fasterxml.jackson.core.JsonToken first = p.nextToken();
            if (first != null && p.currentTokenLocation().getByteOffset() < 0) {
                // Jackson read UTF-16 or UTF-32 (it detects them): JSON between systems is UTF-8 (RFC 8259, 8.1),
                // and the body is forwarded byte for byte around its model.
                throw GatewayException.invalid(null, "request body must be JSON encoded in UTF-8");
            }
            if (first != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                if (first != null) {
                    value(p); // a malformed value is reported as malformed, not as the wrong type
                }
                throw GatewayException.invalid(null, "request body must be a JSON object");
            }
            ObjectNode object = JSON.getNodeFactory().objectNode();
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String name = p.currentName();
                com.fasterxml.jackson.core.JsonToken value = p.nextToken();
                boolean model = value == com.fasterxml.jackson.core.JsonToken.VALUE_STRING && name.equals("model");
                if (model) {
                    modelSpan[0] = (int) p.currentTokenLocation().getByteOffset();
                }
                object.set(name, value(p));
                if (model) {
                    p.finishToken(); // the string read whole: the location is past its closing quote
                    modelSpan[1] = (int) p.currentLocation().getByteOffset();
                }
            }
            if (p.nextToken() != null) {
                throw new com.fasterxml.jackson.core.JsonParseException(p, "Trailing token (of type "
                        + p.currentToken() + ") found after the request's object");
            }
            return object;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            throw GatewayException.invalid(null, "request body is not valid JSON" + where + ": "
                    + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw GatewayException.invalid(null, "request body could not be read: " + e.getMessage());
        }
    }

    /**
     * The value at the parser's current token, as a tree: what Jackson's own tree reading makes of it with this
     * mapper's settings (ints, longs and big integers as such, decimals exact with their trailing zeros), except that a
     * decimal keeps its spelling ({@link WrittenDecimalNode}), so the residency scan reads the tree as the egress
     * guard reads the bytes. Read here rather than by an {@code ObjectReader}, which makes a deserialization context for
     * every value it reads.
     */
    private static JsonNode value(com.fasterxml.jackson.core.JsonParser p) throws java.io.IOException {
        com.fasterxml.jackson.databind.node.JsonNodeFactory nodes = JSON.getNodeFactory();
        switch (p.currentToken()) {
            case START_OBJECT -> {
                ObjectNode object = nodes.objectNode();
                while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    object.set(name, value(p));
                }
                return object;
            }
            case START_ARRAY -> {
                com.fasterxml.jackson.databind.node.ArrayNode array = nodes.arrayNode();
                while (p.nextToken() != com.fasterxml.jackson.core.JsonToken.END_ARRAY) {
                    array.add(value(p));
                }
                return array;
            }
            case VALUE_STRING -> {
                return nodes.textNode(p.getText());
            }
            case VALUE_NUMBER_INT -> {
                return switch (p.getNumberType()) {
                    case INT -> nodes.numberNode(p.getIntValue());
                    case LONG -> nodes.numberNode(p.getLongValue());
                    default -> nodes.numberNode(p.getBigIntegerValue());
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return new WrittenDecimalNode(p.getDecimalValue(), p.getText());
            }
            case VALUE_TRUE -> {
                return nodes.booleanNode(true);
            }
            case VALUE_FALSE -> {
                return nodes.booleanNode(false);
            }
            case VALUE_NULL -> {
                return nodes.nullNode();
            }
            default -> throw new com.fasterxml.jackson.core.JsonParseException(p, "unexpected " + p.currentToken());
        }
    }

    /** Adds every text the upstream would read from one message; returns whether it holds an image. */
    private static void appendText(JsonNode message, StringBuilder out) {
        JsonNode content = message.get("content");
        if (content != null) {
            if (content.isTextual()) {
                out.append(content.asText()).append('\n');
            } else if (content.isArray()) {
                for (JsonNode part : content) {
                    if (part.hasNonNull("text")) {
                        out.append(part.get("text").asText()).append('\n');
                    }
                }
            }
        }
        if (message.hasNonNull("name")) {
            out.append(message.get("name").asText()).append('\n');
        }
        for (JsonNode call : message.path("tool_calls")) {
            JsonNode fn = call.path("function");
            out.append(fn.path("name").asText("")).append('\n').append(fn.path("arguments").asText("")).append('\n');
        }
    }

    public Operation operation() {
        return operation;
    }

    /** The route alias the client named. */
    public String model() {
        return model;
    }

    public boolean stream() {
        return stream;
    }

    /** Whether the client itself asked for {@code stream_options.include_usage}. */
    public boolean clientWantsUsage() {
        return includeUsage;
    }

    public OptionalInt maxTokens() {
        return maxTokens;
    }

    public OptionalDouble temperature() {
        return temperature;
    }

    public boolean hasTools() {
        return hasTools;
    }

    public boolean hasImages() {
        return hasImages;
    }

    /** All text the upstream would read (message content, names, tool-call arguments), one part per line. */
    public String promptText() {
        String text = promptText;
        if (text == null) {
            text = buildPromptText(); // the same each time: a race only builds it twice
            promptText = text;
        }
        return text;
    }

    /** The string values of the request's OpenAI {@code metadata} object (empty when absent); read once. */
    public java.util.Map<String, String> metadata() {
        java.util.Map<String, String> m = metadata;
        if (m == null) {
            JsonNode md = json.get("metadata");
            java.util.Map<String, String> out = new java.util.HashMap<>();
            if (md != null && md.isObject()) {
                md.fields().forEachRemaining(e -> {
                    if (e.getValue().isValueNode()) {
                        out.put(e.getKey(), e.getValue().asText());
                    }
                });
            }
            m = java.util.Map.copyOf(out);
            metadata = m;
        }
        return m;
    }

    private volatile java.util.Map<String, String> metadata;

    /** The request's top-level {@code user} field, or null. */
    public String user() {
        JsonNode u = json.get("user");
        return u != null && u.isTextual() ? u.asText() : null;
    }

    /** Estimated prompt tokens (computed once, on first use). */
    public int promptTokens() {
        int n = promptTokens;
        if (n < 0) {
            n = TokenEstimator.shared().estimatePrompt(promptText());
            promptTokens = n;
        }
        return n;
    }

    /** Whether {@link #promptTokens()} has been counted (for tests of when it is). */
    boolean promptTokensCounted() {
        return promptTokens >= 0;
    }

    /**
     * The most {@link #promptTokens()} can be, without counting: a token stands for at least one byte of the text's
     * UTF-8, so the byte length (and the per-request allowance) bounds it. Exact when already counted.
     */
    public int promptTokensAtMost() {
        int n = promptTokens;
        return n >= 0 ? n : TokenEstimator.upperBound(promptText());
    }

    /** The least {@link #promptTokens()} can be, without counting (the allowance, and a token for any text). */
    public int promptTokensAtLeast() {
        int n = promptTokens;
        return n >= 0 ? n : TokenEstimator.lowerBound(promptText());
    }

    /** The body's size in bytes, as the client sent it. */
    public int size() {
        return raw.length;
    }

    /** The decoded JSON itself, for read-only walks (scanning); never modify it. */
    public JsonNode tree() {
        return json;
    }

    /**
     * The body to send upstream built from a replacement tree (e.g. with customer data masked): its fields, with
     * {@code model} replaced and, for streams, {@code include_usage} requested.
     */
    public byte[] upstreamBodyOf(ObjectNode replacement, String upstreamModel, boolean addUsageRequest) {
        return encode(replacement, upstreamModel, false, addUsageRequest && stream && !includeUsage);
    }

    /**
     * The body for streaming a non-streamed call from the backend (to assemble it): the fields of {@code replacement}
     * (the client's tree, or its masked copy), {@code model} replaced, {@code stream: true} and usage requested.
     */
    public byte[] upstreamStreamingBody(ObjectNode replacement, String upstreamModel) {
        return encode(replacement != null ? replacement : (ObjectNode) json, upstreamModel, true, true);
    }

    /** A copy of {@code fields} with the upstream's model, as a stream when asked, with usage requested when asked. */
    private static byte[] encode(ObjectNode fields, String upstreamModel, boolean asStream, boolean requestUsage) {
        ObjectNode copy = fields.deepCopy();
        copy.put("model", upstreamModel);
        if (asStream) {
            copy.put("stream", true);
        }
        if (requestUsage) {
            JsonNode options = copy.get("stream_options");
            ObjectNode o = options instanceof ObjectNode on ? on : copy.putObject("stream_options");
            o.put("include_usage", true);
        }
        try {
            return JSON.writeValueAsBytes(copy);
        } catch (JsonProcessingException e) {
            throw new GatewayException(ErrorKind.INTERNAL, "could not encode upstream body", e);
        }
    }

    /**
     * Whether the answer to this (non-streamed) chat request could be reassembled exactly from a stream of it: no
     * audio; and, unless {@code withLogprobs}, no log probabilities either.
     */
    public boolean answerAssemblable(boolean withLogprobs) {
        if (operation != Operation.CHAT || json.has("audio")
                || json.path("modalities").isArray() && json.path("modalities").toString().contains("audio")) {
            return false;
        }
        return withLogprobs || !(json.path("logprobs").asBoolean(false) || json.has("top_logprobs"));
    }

    /** A copy of the original JSON; changes to it do not affect this view. */
    public ObjectNode json() {
        return json.deepCopy();
    }

    /**
     * The body to send upstream: the client's JSON with {@code model} replaced, and — for streams where the
     * client did not ask for it — {@code stream_options.include_usage} added so the gateway learns the real usage.
     * When nothing changes (the client named the upstream's model, no usage to ask for) it is the client's own
     * array, not a copy: read it, never change it.
     */
    public byte[] upstreamBody(String upstreamModel, boolean addUsageRequest) {
        return upstreamPieces(upstreamModel, addUsageRequest).toBytes();
    }

    /**
     * {@link #upstreamBody(String, boolean)} as pieces that lie in the client's own bytes — before the model, the new
     * model, after it — for a transport that writes them as they are, without joining them first.
     */
    public dev.switchboard.core.backend.UpstreamBody upstreamPieces(String upstreamModel, boolean addUsageRequest) {
        boolean addUsage = addUsageRequest && stream && !includeUsage;
        if (addUsage && hasStreamOptions) {
            // Merged into the client's own stream_options.
            return dev.switchboard.core.backend.UpstreamBody.of(upstreamBodyOf(json, upstreamModel, true));
        }
        // Splice the new model into the client's bytes: every other byte goes upstream exactly as it came.
        byte[] quoted = JSON_QUOTER.quoteAsUTF8(upstreamModel);
        if (!addUsage && java.util.Arrays.equals(quoted, 0, quoted.length, raw, modelStart + 1, modelEnd - 1)) {
            // Nothing changes: the client's own bytes go (read-only, as every body a backend is given).
            return dev.switchboard.core.backend.UpstreamBody.of(raw);
        }
        byte[] model = new byte[quoted.length + 2 + (addUsage ? USAGE_REQUEST.length : 0)];
        model[0] = '"';
        System.arraycopy(quoted, 0, model, 1, quoted.length);
        model[quoted.length + 1] = '"';
        if (addUsage) {
            System.arraycopy(USAGE_REQUEST, 0, model, quoted.length + 2, USAGE_REQUEST.length);
        }
        return dev.switchboard.core.backend.UpstreamBody.of(
                dev.switchboard.core.backend.UpstreamBody.Piece.range(raw, 0, modelStart),
                dev.switchboard.core.backend.UpstreamBody.Piece.of(model),
                dev.switchboard.core.backend.UpstreamBody.Piece.range(raw, modelEnd, raw.length));
    }


    private static final com.fasterxml.jackson.core.io.JsonStringEncoder JSON_QUOTER =
            com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance();
    private static final byte[] USAGE_REQUEST = ",\"stream_options\":{\"include_usage\":true}"
            .getBytes(StandardCharsets.US_ASCII);
}
