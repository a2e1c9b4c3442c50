package dev.switchboard.springai;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;

/**
 * The options one call goes with: each of the prompt's options where it sets one, else the model's default. Tools
 * are the definitions of the tool callbacks on either (the prompt's win by name); the callbacks themselves are
 * run by whoever runs the tool loop (a {@code ChatClient}'s tool-calling advisor), never by this model.
 */
record CallOptions(String route, Double temperature, Double topP, Integer topK, Integer maxTokens,
        List<String> stopSequences, Double frequencyPenalty, Double presencePenalty, List<ToolDefinition> tools,
        String outputSchema) {

    static CallOptions of(ChatOptions prompt, ChatOptions defaults) {
        return new CallOptions(
                pick(prompt == null ? null : prompt.getModel(), defaults.getModel()),
                pick(prompt == null ? null : prompt.getTemperature(), defaults.getTemperature()),
                pick(prompt == null ? null : prompt.getTopP(), defaults.getTopP()),
                pick(prompt == null ? null : prompt.getTopK(), defaults.getTopK()),
                pick(prompt == null ? null : prompt.getMaxTokens(), defaults.getMaxTokens()),
                pick(prompt == null ? null : prompt.getStopSequences(), defaults.getStopSequences()),
                pick(prompt == null ? null : prompt.getFrequencyPenalty(), defaults.getFrequencyPenalty()),
                pick(prompt == null ? null : prompt.getPresencePenalty(), defaults.getPresencePenalty()),
                tools(prompt, defaults),
                pick(outputSchema(prompt), outputSchema(defaults)));
    }

    private static <T> T pick(T value, T fallback) {
        return value != null ? value : fallback;
    }

    private static List<ToolDefinition> tools(ChatOptions prompt, ChatOptions defaults) {
        Map<String, ToolDefinition> byName = new LinkedHashMap<>();
        for (ChatOptions options : new ChatOptions[] {defaults, prompt}) {
            if (options instanceof ToolCallingChatOptions t && t.getToolCallbacks() != null) {
                for (ToolCallback callback : t.getToolCallbacks()) {
                    ToolDefinition d = callback.getToolDefinition();
                    byName.put(d.name(), d);
                }
            }
        }
        return List.copyOf(byName.values());
    }

    private static String outputSchema(ChatOptions options) {
        return options instanceof StructuredOutputChatOptions s ? s.getOutputSchema() : null;
    }
}
