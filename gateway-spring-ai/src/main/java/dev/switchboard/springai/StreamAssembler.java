package dev.switchboard.springai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;

/**
 * Turns {@code chat.completion.chunk} events into Spring AI responses: one per text delta, as it comes; tool calls,
 * which OpenAI streams as pieces keyed by {@code index}, are joined here and given whole in the last response,
 * with the finish reason and usage — so an aggregator (or a tool-calling advisor) sees complete calls.
 * Used by one stream, whose events come in order and never concurrently.
 */
final class StreamAssembler {
    private final String requestId;
    private final Map<Integer, ToolCallBuilder> calls = new TreeMap<>();
    private String id = "";
    private String model = "";
    private String finishReason;
    private String backend;
    private String route;
    private JsonNode usage;

    StreamAssembler(String requestId) {
        this.requestId = requestId;
    }

    void started(String route, String backend) {
        this.route = route;
        this.backend = backend;
    }

    /** The response for this event's text, or null when it has none. */
    ChatResponse accept(String chunkJson) {
        JsonNode chunk;
        try {
            chunk = OpenAiJson.MAPPER.readTree(chunkJson);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stream event that is not JSON: " + e.getOriginalMessage(), e);
        }
        if (id.isEmpty() && chunk.hasNonNull("id")) {
            id = chunk.get("id").asText();
        }
        if (model.isEmpty() && chunk.hasNonNull("model")) {
            model = chunk.get("model").asText();
        }
        if (chunk.hasNonNull("usage")) {
            usage = chunk.get("usage");
        }
        String text = null;
        for (JsonNode choice : chunk.path("choices")) {
            if (choice.path("index").asInt(0) != 0) {
                continue; // one answer: n > 1 is not asked for
            }
            JsonNode delta = choice.path("delta");
            if (delta.path("content").isTextual() && !delta.path("content").asText().isEmpty()) {
                text = delta.path("content").asText();
            }
            for (JsonNode piece : delta.path("tool_calls")) {
                toolCallPiece(piece);
            }
            if (choice.hasNonNull("finish_reason")) {
                finishReason = choice.get("finish_reason").asText();
            }
        }
        if (text == null) {
            return null;
        }
        return new ChatResponse(List.of(new Generation(new AssistantMessage(text))), metadata().build());
    }

    private void toolCallPiece(JsonNode piece) {
        ToolCallBuilder call = calls.computeIfAbsent(piece.path("index").asInt(calls.size()),
                i -> new ToolCallBuilder());
        if (piece.hasNonNull("id")) {
            call.id = piece.get("id").asText();
        }
        JsonNode function = piece.path("function");
        if (function.hasNonNull("name")) {
            call.name = function.get("name").asText();
        }
        call.arguments.append(function.path("arguments").asText(""));
    }

    /** The last response: no text, the whole tool calls, the finish reason and the usage. */
    ChatResponse finish(Usage gatewayUsage, String gatewayFinishReason) {
        List<AssistantMessage.ToolCall> toolCalls = new ArrayList<>();
        calls.values().forEach(c -> toolCalls.add(new AssistantMessage.ToolCall(c.id, "function", c.name,
                c.arguments.isEmpty() ? "{}" : c.arguments.toString())));
        ChatResponseMetadata.Builder metadata = metadata();
        OpenAiResponseReader.usage(usage, gatewayUsage, metadata);
        ChatGenerationMetadata generation = OpenAiResponseReader.generationMetadata(
                finishReason != null ? finishReason : gatewayFinishReason);
        return new ChatResponse(List.of(new Generation(AssistantMessage.builder().content("").toolCalls(toolCalls)
                .build(), generation)), metadata.build());
    }

    private ChatResponseMetadata.Builder metadata() {
        ChatResponseMetadata.Builder metadata = ChatResponseMetadata.builder().id(id).model(model)
                .keyValue(OpenAiResponseReader.REQUEST_ID, requestId);
        if (backend != null) {
            metadata.keyValue(OpenAiResponseReader.BACKEND, backend);
        }
        if (route != null) {
            metadata.keyValue(OpenAiResponseReader.ROUTE, route);
        }
        return metadata;
    }

    private static final class ToolCallBuilder {
        private String id;
        private String name;
        private final StringBuilder arguments = new StringBuilder();
    }
}
