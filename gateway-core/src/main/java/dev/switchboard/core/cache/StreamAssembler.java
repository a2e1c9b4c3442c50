package dev.switchboard.core.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.Usage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Turns a streamed answer into the {@code chat.completion} it stands for, so it can be cached and replayed either
 * way. Only plain text answers of one choice are assembled; anything else (tool calls, several choices) makes the
 * answer not cacheable.
 */
public final class StreamAssembler {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StringBuilder content = new StringBuilder();
    private String id;
    private String model;
    private long created;
    private String finishReason;
    private boolean cacheable = true;

    public void accept(String data) {
        if (!cacheable) {
            return;
        }
        try {
            JsonNode chunk = JSON.readTree(data);
            id = chunk.path("id").asText(id);
            model = chunk.path("model").asText(model);
            created = chunk.path("created").asLong(created);
            for (JsonNode choice : chunk.path("choices")) {
                if (choice.path("index").asInt(0) != 0 || choice.path("delta").has("tool_calls")
                        || choice.path("delta").has("function_call")) {
                    cacheable = false;
                    return;
                }
                JsonNode c = choice.path("delta").path("content");
                if (c.isTextual()) {
                    content.append(c.asText());
                }
                if (choice.hasNonNull("finish_reason")) {
                    finishReason = choice.get("finish_reason").asText();
                }
            }
        } catch (IOException e) {
            cacheable = false;
        }
    }

    /** The assembled completion, or null when the stream is not cacheable. */
    public byte[] completion(Usage usage) {
        if (!cacheable || finishReason == null) {
            return null;
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id == null ? "chatcmpl-cached" : id);
        root.put("object", "chat.completion");
        root.put("created", created);
        root.put("model", model == null ? "" : model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", content.toString());
        choice.put("finish_reason", finishReason);
        if (usage.known()) {
            root.putObject("usage").put("prompt_tokens", usage.promptTokens())
                    .put("completion_tokens", usage.completionTokens()).put("total_tokens", usage.totalTokens());
        }
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A cached completion as stream events: a role chunk, the content in pieces, the finish chunk, and the usage
     * chunk when the client asked for it — what an OpenAI client expects before {@code [DONE]}.
     */
    public static java.util.List<String> replay(byte[] completion, boolean withUsage) {
        java.util.List<String> events = new java.util.ArrayList<>();
        try {
            JsonNode c = JSON.readTree(completion);
            String text = c.at("/choices/0/message/content").asText("");
            String finish = c.at("/choices/0/finish_reason").asText("stop");
            for (int i = 0; i <= text.length(); i += 256) {
                ObjectNode chunk = head(c);
                ObjectNode choice = chunk.putArray("choices").addObject();
                choice.put("index", 0);
                ObjectNode delta = choice.putObject("delta");
                if (i == 0) {
                    delta.put("role", "assistant");
                }
                delta.put("content", text.substring(i, Math.min(text.length(), i + 256)));
                choice.putNull("finish_reason");
                events.add(chunk.toString());
                if (i + 256 > text.length()) {
                    break;
                }
            }
            ObjectNode last = head(c);
            ObjectNode choice = last.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("delta");
            choice.put("finish_reason", finish);
            events.add(last.toString());
            if (withUsage && c.has("usage")) {
                ObjectNode usage = head(c);
                usage.putArray("choices");
                usage.set("usage", c.get("usage"));
                events.add(usage.toString());
            }
        } catch (IOException e) {
            throw new IllegalStateException("a cached completion is not JSON", e);
        }
        return events;
    }

    private static ObjectNode head(JsonNode c) {
        ObjectNode chunk = JSON.createObjectNode();
        chunk.put("id", c.path("id").asText("chatcmpl-cached"));
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", c.path("created").asLong(0));
        chunk.put("model", c.path("model").asText(""));
        return chunk;
    }
}
