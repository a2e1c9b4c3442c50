package dev.switchboard.core.internal.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Replays a cached {@code chat.completion} as the stream events an OpenAI client expects. (A streamed answer is
 * assembled for the cache by the backend step's {@code CompletionAssembler}; only plain text of one choice is kept.)
 */
public final class StreamAssembler {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StreamAssembler() {
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
