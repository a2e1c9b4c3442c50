package dev.switchboard.springai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.GatewayResponse;
import dev.switchboard.core.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;

/** An OpenAI {@code chat.completion} body, and what a stream ends with, as Spring AI values. */
final class OpenAiResponseReader {
    /** Metadata keys for where the answer came from (the gateway's request id, route and backend). */
    static final String REQUEST_ID = "switchboard.request-id";
    static final String ROUTE = "switchboard.route";
    static final String BACKEND = "switchboard.backend";

    private OpenAiResponseReader() {
    }

    static ChatResponse read(GatewayResponse response) {
        JsonNode root;
        try {
            root = OpenAiJson.MAPPER.readTree(response.bodyText());
        } catch (JsonProcessingException e) {
            // The gateway passes the upstream's body on; one that is not JSON is the upstream's fault.
            throw new GatewayException(ErrorKind.UPSTREAM_ERROR, "the model answered with a body that is not JSON: "
                    + e.getOriginalMessage(), e);
        }
        JsonNode choice = root.path("choices").path(0);
        JsonNode message = choice.path("message");
        List<AssistantMessage.ToolCall> calls = new ArrayList<>();
        for (JsonNode call : message.path("tool_calls")) {
            calls.add(new AssistantMessage.ToolCall(call.path("id").asText(null), "function",
                    call.path("function").path("name").asText(null),
                    call.path("function").path("arguments").asText("{}")));
        }
        JsonNode content = message.path("content");
        AssistantMessage assistant = AssistantMessage.builder().content(content.isTextual() ? content.asText() : "")
                .toolCalls(calls).build();
        ChatResponseMetadata.Builder metadata = ChatResponseMetadata.builder()
                .id(root.path("id").asText(""))
                .model(root.path("model").asText(""))
                .keyValue(REQUEST_ID, response.requestId())
                .keyValue(BACKEND, response.backend());
        if (response.decision() != null) {
            metadata.keyValue(ROUTE, response.decision().route());
        }
        usage(root.path("usage"), response.usage(), metadata);
        return new ChatResponse(List.of(new Generation(assistant,
                generationMetadata(choice.path("finish_reason").asText(null)))), metadata.build());
    }

    /** The body's own usage when it has one, else what the gateway counted; nothing when neither knows. */
    static void usage(JsonNode usage, Usage gatewayUsage, ChatResponseMetadata.Builder metadata) {
        if (usage != null && usage.has("prompt_tokens")) {
            int prompt = usage.path("prompt_tokens").asInt();
            int completion = usage.path("completion_tokens").asInt();
            metadata.usage(new DefaultUsage(prompt, completion,
                    usage.has("total_tokens") ? usage.path("total_tokens").asInt() : prompt + completion, usage));
        } else if (gatewayUsage != null && gatewayUsage.known()) {
            metadata.usage(new DefaultUsage((int) gatewayUsage.promptTokens(), (int) gatewayUsage.completionTokens(),
                    (int) gatewayUsage.totalTokens(), gatewayUsage));
        }
    }

    /** The finish reason as Spring AI's OpenAI model writes it: OpenAI's word in capitals ({@code TOOL_CALLS}). */
    static ChatGenerationMetadata generationMetadata(String finishReason) {
        if (finishReason == null) {
            return ChatGenerationMetadata.NULL;
        }
        return ChatGenerationMetadata.builder().finishReason(finishReason.toUpperCase(Locale.ROOT)).build();
    }
}
