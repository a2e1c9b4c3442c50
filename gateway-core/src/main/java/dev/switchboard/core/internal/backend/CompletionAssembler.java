package dev.switchboard.core.internal.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.Usage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the {@code chat.completion} a non-streamed client expects from the {@code chat.completion.chunk}s of the same
 * answer streamed: every choice by its index, with its text, refusal, tool calls (arguments joined in order), a
 * legacy function call, log probabilities and finish reason; the top-level id, model, creation time, system
 * fingerprint and service tier; and the usage. Unknown delta fields are ignored.
 */
public final class CompletionAssembler {
    private static final ObjectMapper JSON = new ObjectMapper();

    private String id;
    private String model;
    private long created;
    private String fingerprint;
    private String serviceTier;
    private final Map<Integer, Choice> choices = new TreeMap<>();
    private boolean malformed;

    private static final class Choice {
        final StringBuilder content = new StringBuilder();
        StringBuilder refusal;
        String role = "assistant";
        String finishReason;
        final Map<Integer, ObjectNode> toolCalls = new TreeMap<>();
        final Map<Integer, StringBuilder> toolArguments = new TreeMap<>();
        ObjectNode functionCall;
        StringBuilder functionArguments;
        ArrayNode logprobContent;
        ArrayNode logprobRefusal;
        boolean hasContent;
    }

    public void accept(String data) {
        JsonNode chunk;
        try {
            chunk = JSON.readTree(data);
        } catch (IOException e) {
            malformed = true;
            return;
        }
        id = chunk.path("id").asText(id);
        model = chunk.path("model").asText(model);
        created = chunk.path("created").asLong(created);
        if (chunk.hasNonNull("system_fingerprint")) {
            fingerprint = chunk.get("system_fingerprint").asText();
        }
        if (chunk.hasNonNull("service_tier")) {
            serviceTier = chunk.get("service_tier").asText();
        }
        for (JsonNode c : chunk.path("choices")) {
            Choice choice = choices.computeIfAbsent(c.path("index").asInt(0), i -> new Choice());
            JsonNode delta = c.path("delta");
            if (delta.hasNonNull("role")) {
                choice.role = delta.get("role").asText();
            }
            if (delta.path("content").isTextual()) {
                choice.content.append(delta.get("content").asText());
                choice.hasContent = true;
            }
            if (delta.path("refusal").isTextual()) {
                (choice.refusal == null ? choice.refusal = new StringBuilder() : choice.refusal)
                        .append(delta.get("refusal").asText());
            }
            for (JsonNode call : delta.path("tool_calls")) {
                int index = call.path("index").asInt(0);
                ObjectNode merged = choice.toolCalls.computeIfAbsent(index, i -> JSON.createObjectNode());
                if (call.hasNonNull("id")) {
                    merged.put("id", call.get("id").asText());
                }
                if (call.hasNonNull("type")) {
                    merged.put("type", call.get("type").asText());
                }
                JsonNode f = call.path("function");
                if (f.hasNonNull("name")) {
                    merged.with("function").put("name", f.get("name").asText());
                }
                if (f.path("arguments").isTextual()) {
                    choice.toolArguments.computeIfAbsent(index, i -> new StringBuilder())
                            .append(f.get("arguments").asText());
                }
            }
            JsonNode fc = delta.path("function_call");
            if (fc.isObject()) {
                if (choice.functionCall == null) {
                    choice.functionCall = JSON.createObjectNode();
                    choice.functionArguments = new StringBuilder();
                }
                if (fc.hasNonNull("name")) {
                    choice.functionCall.put("name", fc.get("name").asText());
                }
                if (fc.path("arguments").isTextual()) {
                    choice.functionArguments.append(fc.get("arguments").asText());
                }
            }
            JsonNode lp = c.path("logprobs");
            if (lp.path("content").isArray()) {
                (choice.logprobContent == null ? choice.logprobContent = JSON.createArrayNode()
                        : choice.logprobContent).addAll((ArrayNode) lp.get("content"));
            }
            if (lp.path("refusal").isArray()) {
                (choice.logprobRefusal == null ? choice.logprobRefusal = JSON.createArrayNode()
                        : choice.logprobRefusal).addAll((ArrayNode) lp.get("refusal"));
            }
            if (c.hasNonNull("finish_reason")) {
                choice.finishReason = c.get("finish_reason").asText();
            }
        }
    }

    /**
     * Whether the answer is plain text of one choice — what a cache can keep and replay as a stream exactly: no tool
     * or function call, no refusal, no log probabilities, and ended.
     */
    public boolean plainText() {
        if (malformed || choices.size() != 1 || !choices.containsKey(0)) {
            return false;
        }
        Choice c = choices.get(0);
        return c.finishReason != null && c.toolCalls.isEmpty() && c.functionCall == null && c.refusal == null
                && c.logprobContent == null && c.logprobRefusal == null;
    }

    /** The whole answer, or null when the stream was not one (a chunk that was not JSON, no choice, no end). */
    public byte[] completion(Usage usage) {
        if (malformed || choices.isEmpty() || choices.values().stream().anyMatch(c -> c.finishReason == null)) {
            return null;
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id == null ? "chatcmpl-assembled" : id);
        root.put("object", "chat.completion");
        root.put("created", created);
        root.put("model", model == null ? "" : model);
        if (fingerprint != null) {
            root.put("system_fingerprint", fingerprint);
        }
        if (serviceTier != null) {
            root.put("service_tier", serviceTier);
        }
        ArrayNode out = root.putArray("choices");
        choices.forEach((index, c) -> {
            ObjectNode choice = out.addObject();
            choice.put("index", index);
            ObjectNode message = choice.putObject("message");
            message.put("role", c.role);
            if (c.hasContent || (c.toolCalls.isEmpty() && c.functionCall == null && c.refusal == null)) {
                message.put("content", c.content.toString());
            } else {
                message.putNull("content");
            }
            if (c.refusal != null) {
                message.put("refusal", c.refusal.toString());
            }
            if (!c.toolCalls.isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                c.toolCalls.forEach((i, call) -> {
                    call.with("function").put("arguments", c.toolArguments.getOrDefault(i, new StringBuilder())
                            .toString());
                    calls.add(call);
                });
            }
            if (c.functionCall != null) {
                c.functionCall.put("arguments", c.functionArguments.toString());
                message.set("function_call", c.functionCall);
            }
            if (c.logprobContent != null || c.logprobRefusal != null) {
                ObjectNode lp = choice.putObject("logprobs");
                lp.set("content", c.logprobContent);
                lp.set("refusal", c.logprobRefusal);
            } else {
                choice.putNull("logprobs");
            }
            choice.put("finish_reason", c.finishReason);
        });
        if (usage.known()) {
            root.putObject("usage").put("prompt_tokens", usage.promptTokens())
                    .put("completion_tokens", usage.completionTokens()).put("total_tokens", usage.totalTokens());
        }
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }
}
