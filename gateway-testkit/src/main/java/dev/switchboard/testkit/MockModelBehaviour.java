package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** What the simulated model says: shared by every connection of one {@link MockModelServer}. */
final class MockModelBehaviour {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] WORDS = {
        "The", " account", " shows", " a", " steady", " balance", " and", " no", " unusual",
        " activity", " this", " quarter", ".", " Further", " review", " is", " not", " required",
    };

    private final AtomicReference<MockModelOptions> options;
    private final ReceivedRequests received = new ReceivedRequests();
    private final AtomicInteger openStreams = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    private final AtomicInteger forcedLeft = new AtomicInteger();
    private volatile MockModelOptions countedFor;
    private final AtomicLong ids = new AtomicLong();
    private volatile Random random;
    private volatile long seededWith = Long.MIN_VALUE;

    MockModelBehaviour(AtomicReference<MockModelOptions> options) {
        this.options = options;
    }

    MockModelOptions options() {
        return options.get();
    }

    RecordedRequest record(MockModelOptions o, String method, String path, java.util.Map<String, String> headers,
            String body) {
        return received.add(o.recordLimit(), method, path, headers, body);
    }

    ReceivedRequests received() {
        return received;
    }

    int openStreams() {
        return openStreams.get();
    }

    void streamOpened() {
        openStreams.incrementAndGet();
        callStarted();
    }

    void streamClosed() {
        openStreams.decrementAndGet();
        callEnded();
    }

    /** A completion or embeddings call is being served (until its answer is written or its stream ends). */
    void callStarted() {
        peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    }

    void callEnded() {
        inFlight.decrementAndGet();
    }

    int inFlight() {
        return inFlight.get();
    }

    int peakInFlight() {
        return peakInFlight.get();
    }

    void resetPeak() {
        peakInFlight.set(inFlight.get());
    }

    String nextId() {
        return "chatcmpl-mock-" + ids.incrementAndGet();
    }

    /** The status this request fails with, or 0 when it is served. */
    int failureStatus(MockModelOptions o) {
        if (o.forcedStatus() != 0) {
            if (o.forcedStatusCount() > 0) {
                // Count per options instance: swapping in new options starts a new count.
                if (countedFor != o) {
                    synchronized (this) {
                        if (countedFor != o) {
                            forcedLeft.set(o.forcedStatusCount());
                            countedFor = o;
                        }
                    }
                }
                return forcedLeft.getAndDecrement() > 0 ? o.forcedStatus() : 0;
            }
            return o.forcedStatus();
        }
        if (o.errorRate() > 0 && random(o).nextDouble() < o.errorRate()) {
            return 500;
        }
        return 0;
    }

    private synchronized Random random(MockModelOptions o) {
        if (random == null || seededWith != o.seed()) {
            random = new Random(o.seed());
            seededWith = o.seed();
        }
        return random;
    }

    /** The answer's tokens: the canned text, or with {@code echo} the last user message in 5-char pieces. */
    java.util.List<String> tokens(MockModelOptions o, JsonNode request) {
        java.util.List<String> out = new java.util.ArrayList<>();
        if (o.echo()) {
            String text = lastUserText(request);
            for (int i = 0; i < text.length(); i += 5) {
                out.add(text.substring(i, Math.min(text.length(), i + 5)));
            }
            if (out.isEmpty()) {
                out.add("");
            }
            return out;
        }
        int n = completionTokens(o, request);
        for (int i = 0; i < n; i++) {
            out.add(word(i));
        }
        return out;
    }

    private static String lastUserText(JsonNode request) {
        String text = "";
        for (JsonNode m : request.path("messages")) {
            if (!"user".equals(m.path("role").asText())) {
                continue;
            }
            JsonNode content = m.path("content");
            if (content.isTextual()) {
                text = content.asText();
            } else if (content.isArray()) {
                StringBuilder sb = new StringBuilder();
                content.forEach(p -> sb.append(p.path("text").asText("")));
                text = sb.toString();
            }
        }
        return text;
    }

    /** Tokens to produce for this request: the configured length, capped by {@code max_tokens}. */
    int completionTokens(MockModelOptions o, JsonNode request) {
        int n = o.responseTokens();
        JsonNode max = request.has("max_completion_tokens") ? request.get("max_completion_tokens")
                : request.get("max_tokens");
        if (max != null && max.canConvertToInt() && max.asInt() > 0) {
            n = Math.min(n, max.asInt());
        }
        return n;
    }

    static String word(int i) {
        String w = WORDS[i % WORDS.length];
        return i > 0 && i % WORDS.length == 0 ? " " + w : w;
    }

    /** A rough prompt size: one token per four characters of message text, at least one. */
    static int promptTokens(JsonNode request) {
        int chars = 0;
        for (JsonNode m : request.path("messages")) {
            JsonNode content = m.path("content");
            if (content.isTextual()) {
                chars += content.asText().length();
            } else if (content.isArray()) {
                for (JsonNode part : content) {
                    chars += part.path("text").asText("").length();
                }
            }
        }
        return Math.max(1, chars / 4);
    }

    /** A call the model makes instead of answering in text. */
    record ToolCall(String id, String name, String arguments) {
        /** The arguments as a stream sends them: in 5-character pieces. */
        java.util.List<String> pieces() {
            java.util.List<String> out = new java.util.ArrayList<>();
            for (int i = 0; i < arguments.length(); i += 5) {
                out.add(arguments.substring(i, Math.min(arguments.length(), i + 5)));
            }
            return out;
        }
    }

    /**
     * The tool call this request gets, or null: only with {@code toolArguments} set, when the request offers
     * function tools and its last message is not a tool result (so a conversation that sent the result back gets
     * its text answer). The tool is the one {@code tool_choice} names, else the first offered.
     */
    ToolCall toolCall(MockModelOptions o, JsonNode request) {
        JsonNode tools = request.path("tools");
        if (o.toolArguments() == null || !tools.isArray() || tools.isEmpty()
                || "none".equals(request.path("tool_choice").asText())) {
            return null;
        }
        JsonNode messages = request.path("messages");
        if (messages.isArray() && !messages.isEmpty()
                && "tool".equals(messages.get(messages.size() - 1).path("role").asText())) {
            return null;
        }
        String name = request.path("tool_choice").path("function").path("name").asText(null);
        if (name == null) {
            name = tools.get(0).path("function").path("name").asText("tool");
        }
        return new ToolCall("call_mock_" + ids.incrementAndGet(), name, o.toolArguments());
    }

    /** The whole answer that calls a tool: no text, one {@code tool_calls} entry. */
    ObjectNode toolCallCompletion(MockModelOptions o, JsonNode request, String id, ToolCall call) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id);
        root.put("object", "chat.completion");
        root.put("created", System.currentTimeMillis() / 1000);
        root.put("model", o.model());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.putNull("content");
        ObjectNode tc = message.putArray("tool_calls").addObject();
        tc.put("id", call.id());
        tc.put("type", "function");
        tc.putObject("function").put("name", call.name()).put("arguments", call.arguments());
        choice.put("finish_reason", "tool_calls");
        root.set("usage", usage(promptTokens(request), Math.max(1, call.pieces().size())));
        return root;
    }

    /**
     * One streamed piece of a tool call: the first carries the id, type and name with empty arguments (as OpenAI's
     * does), the later ones only the index and the next piece of the arguments.
     */
    ObjectNode toolCallChunk(MockModelOptions o, String id, long created, ToolCall call, String piece,
            boolean first) {
        ObjectNode root = chunk(o, id, created);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        if (first) {
            delta.put("role", "assistant");
            delta.putNull("content");
        }
        ObjectNode tc = delta.putArray("tool_calls").addObject();
        tc.put("index", 0);
        if (first) {
            tc.put("id", call.id());
            tc.put("type", "function");
            tc.putObject("function").put("name", call.name()).put("arguments", "");
        } else {
            tc.putObject("function").put("arguments", piece);
        }
        choice.putNull("finish_reason");
        return root;
    }

    ObjectNode completion(MockModelOptions o, JsonNode request, String id) {
        ToolCall call = toolCall(o, request);
        if (call != null) {
            return toolCallCompletion(o, request, id, call);
        }
        java.util.List<String> tokens = tokens(o, request);
        int n = tokens.size();
        StringBuilder text = new StringBuilder();
        tokens.forEach(text::append);
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id);
        root.put("object", "chat.completion");
        root.put("created", System.currentTimeMillis() / 1000);
        root.put("model", o.model());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", text.toString());
        choice.put("finish_reason", !o.echo() && n < o.responseTokens() ? "length" : "stop");
        root.set("usage", usage(promptTokens(request), n));
        return root;
    }

    static ObjectNode usage(int prompt, int completion) {
        ObjectNode usage = JSON.createObjectNode();
        usage.put("prompt_tokens", prompt);
        usage.put("completion_tokens", completion);
        usage.put("total_tokens", prompt + completion);
        return usage;
    }

    ObjectNode chunk(MockModelOptions o, String id, long created) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id);
        root.put("object", "chat.completion.chunk");
        root.put("created", created);
        root.put("model", o.model());
        return root;
    }

    ObjectNode deltaChunk(MockModelOptions o, String id, long created, String role, String content,
            String finishReason) {
        ObjectNode root = chunk(o, id, created);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        if (role != null) {
            delta.put("role", role);
        }
        if (content != null) {
            delta.put("content", content);
        }
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return root;
    }

    ObjectNode usageChunk(MockModelOptions o, String id, long created, int prompt, int completion) {
        ObjectNode root = chunk(o, id, created);
        root.putArray("choices");
        root.set("usage", usage(prompt, completion));
        return root;
    }

    ObjectNode models(MockModelOptions o) {
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ObjectNode model = root.putArray("data").addObject();
        model.put("id", o.model());
        model.put("object", "model");
        model.put("created", 0);
        model.put("owned_by", "switchboard-testkit");
        return root;
    }

    /** Deterministic 8-dimensional vectors derived from the text, so equal inputs embed equally. */
    ObjectNode embeddings(MockModelOptions o, JsonNode request) {
        JsonNode input = request.path("input");
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        int tokens = 0;
        int index = 0;
        Iterable<JsonNode> inputs = input.isArray() ? input : java.util.List.of(input);
        for (JsonNode in : inputs) {
            String text = in.asText("");
            tokens += Math.max(1, text.length() / 4);
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", index++);
            ArrayNode vector = item.putArray("embedding");
            Random r = new Random(text.hashCode());
            for (int d = 0; d < 8; d++) {
                vector.add(Math.round((r.nextDouble() * 2 - 1) * 1e6) / 1e6);
            }
        }
        root.put("model", o.model());
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", tokens);
        usage.put("total_tokens", tokens);
        return root;
    }

    static ObjectNode error(int status, String message) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", status == 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error"
                : "invalid_request_error");
        error.put("code", "mock_" + status);
        return root;
    }
}
