package dev.switchboard.langchain4j;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.output.TokenUsage;
import dev.switchboard.core.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Builds one answer from {@code chat.completion.chunk} events: text deltas are passed on as they come and joined;
 * tool calls, which OpenAI streams as pieces keyed by {@code index} (the id and name in the first piece, the
 * arguments spread over the rest), are passed on as partial calls and joined into whole ones by index.
 * Used by one stream, whose events come in order and never concurrently.
 */
final class StreamAssembler {
    private final Consumer<String> onText;
    private final Consumer<PartialToolCall> onToolCallPiece;
    private final StringBuilder text = new StringBuilder();
    private final Map<Integer, ToolCallBuilder> calls = new TreeMap<>();
    private String id;
    private String model;
    private String finishReason;
    private JsonNode usage;

    StreamAssembler(Consumer<String> onText, Consumer<PartialToolCall> onToolCallPiece) {
        this.onText = onText;
        this.onToolCallPiece = onToolCallPiece;
    }

    void accept(String chunkJson) {
        JsonNode chunk;
        try {
            chunk = OpenAiJson.MAPPER.readTree(chunkJson);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stream event that is not JSON: " + e.getOriginalMessage(), e);
        }
        if (id == null && chunk.hasNonNull("id")) {
            id = chunk.get("id").asText();
        }
        if (model == null && chunk.hasNonNull("model")) {
            model = chunk.get("model").asText();
        }
        if (chunk.hasNonNull("usage")) {
            usage = chunk.get("usage");
        }
        for (JsonNode choice : chunk.path("choices")) {
            if (choice.path("index").asInt(0) != 0) {
                continue; // one answer: n > 1 is not asked for
            }
            JsonNode delta = choice.path("delta");
            JsonNode content = delta.path("content");
            if (content.isTextual() && !content.asText().isEmpty()) {
                text.append(content.asText());
                onText.accept(content.asText());
            }
            for (JsonNode piece : delta.path("tool_calls")) {
                toolCallPiece(piece);
            }
            if (choice.hasNonNull("finish_reason")) {
                finishReason = choice.get("finish_reason").asText();
            }
        }
    }

    private void toolCallPiece(JsonNode piece) {
        int index = piece.path("index").asInt(calls.size());
        ToolCallBuilder call = calls.computeIfAbsent(index, i -> new ToolCallBuilder());
        if (piece.hasNonNull("id")) {
            call.id = piece.get("id").asText();
        }
        JsonNode function = piece.path("function");
        if (function.hasNonNull("name")) {
            call.name = function.get("name").asText();
        }
        String arguments = function.path("arguments").asText("");
        call.arguments.append(arguments);
        if (arguments.isEmpty()) {
            return; // the piece that only names the tool: LangChain4j's partial call needs some arguments
        }
        onToolCallPiece.accept(PartialToolCall.builder().index(index).id(call.id).name(call.name)
                .partialArguments(arguments).build());
    }

    /** The whole tool calls, in index order. */
    List<ToolExecutionRequest> toolCalls() {
        List<ToolExecutionRequest> out = new ArrayList<>();
        calls.values().forEach(c -> out.add(ToolExecutionRequest.builder().id(c.id).name(c.name)
                .arguments(c.arguments.isEmpty() ? "{}" : c.arguments.toString()).build()));
        return out;
    }

    List<Integer> toolCallIndexes() {
        return List.copyOf(calls.keySet());
    }

    /** The answer, once the gateway says the stream ended, with the usage and finish reason it reports. */
    ChatResponse finish(Usage gatewayUsage, String gatewayFinishReason) {
        TokenUsage tokens = usage != null ? OpenAiResponseReader.usage(usage, gatewayUsage)
                : OpenAiResponseReader.usage(gatewayUsage);
        List<ToolExecutionRequest> toolCalls = toolCalls();
        AiMessage ai = AiMessage.builder().text(text.isEmpty() && !toolCalls.isEmpty() ? null : text.toString())
                .toolExecutionRequests(toolCalls).build();
        return ChatResponse.builder()
                .aiMessage(ai)
                .id(id)
                .modelName(model)
                .tokenUsage(tokens)
                .finishReason(OpenAiResponseReader.finishReason(finishReason != null ? finishReason
                        : gatewayFinishReason))
                .build();
    }

    private static final class ToolCallBuilder {
        private String id;
        private String name;
        private final StringBuilder arguments = new StringBuilder();
    }
}
