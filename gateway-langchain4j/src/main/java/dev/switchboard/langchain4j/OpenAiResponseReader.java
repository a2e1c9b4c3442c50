package dev.switchboard.langchain4j;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.Usage;
import java.util.ArrayList;
import java.util.List;

/** An OpenAI {@code chat.completion} body, and the pieces a stream ends with, as LangChain4j values. */
final class OpenAiResponseReader {
    private OpenAiResponseReader() {
    }

    static ChatResponse read(String body, Usage gatewayUsage) {
        JsonNode root;
        try {
            root = OpenAiJson.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            // The gateway passes the upstream's body on; one that is not JSON is the upstream's fault.
            throw new GatewayException(ErrorKind.UPSTREAM_ERROR, "the model answered with a body that is not JSON: "
                    + e.getOriginalMessage(), e);
        }
        JsonNode choice = root.path("choices").path(0);
        JsonNode message = choice.path("message");
        List<ToolExecutionRequest> calls = new ArrayList<>();
        for (JsonNode call : message.path("tool_calls")) {
            calls.add(ToolExecutionRequest.builder()
                    .id(call.path("id").asText(null))
                    .name(call.path("function").path("name").asText(null))
                    .arguments(call.path("function").path("arguments").asText("{}"))
                    .build());
        }
        JsonNode content = message.path("content");
        AiMessage ai = AiMessage.builder()
                .text(content.isTextual() ? content.asText() : null)
                .toolExecutionRequests(calls)
                .build();
        return ChatResponse.builder()
                .aiMessage(ai)
                .id(root.path("id").asText(null))
                .modelName(root.path("model").asText(null))
                .tokenUsage(usage(root.path("usage"), gatewayUsage))
                .finishReason(finishReason(choice.path("finish_reason").asText(null)))
                .build();
    }

    /** The body's own usage when it has one (it has the total), else what the gateway counted; null when neither. */
    static TokenUsage usage(JsonNode usage, Usage gatewayUsage) {
        if (usage.has("prompt_tokens")) {
            return new TokenUsage(usage.path("prompt_tokens").asInt(), usage.path("completion_tokens").asInt(),
                    usage.has("total_tokens") ? usage.path("total_tokens").asInt() : null);
        }
        return usage(gatewayUsage);
    }

    static TokenUsage usage(Usage usage) {
        if (usage == null || !usage.known()) {
            return null;
        }
        return new TokenUsage((int) usage.promptTokens(), (int) usage.completionTokens(), (int) usage.totalTokens());
    }

    static FinishReason finishReason(String reason) {
        if (reason == null) {
            return null;
        }
        return switch (reason) {
            case "stop" -> FinishReason.STOP;
            case "length" -> FinishReason.LENGTH;
            case "tool_calls", "function_call" -> FinishReason.TOOL_EXECUTION;
            case "content_filter" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.OTHER;
        };
    }
}
