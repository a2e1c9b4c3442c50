package dev.switchboard.springai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import java.util.List;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.content.Media;
import org.springframework.ai.tool.definition.ToolDefinition;

/**
 * A Spring AI prompt and its options as the OpenAI chat-completions body the gateway takes. The model is the route
 * name. What that format has no place for (top-k, media other than images) is refused with an
 * {@link IllegalArgumentException} rather than dropped, so a caller never believes it was applied.
 */
final class OpenAiRequestWriter {
    private OpenAiRequestWriter() {
    }

    static String write(List<Message> messages, CallOptions options, boolean stream) {
        if (options.route() == null || options.route().isBlank()) {
            throw new IllegalArgumentException("model: " + options.route()
                    + " (expected: a route name of the gateway's config, in the default options or the prompt's)");
        }
        ObjectNode body = OpenAiJson.MAPPER.createObjectNode();
        body.put("model", options.route());
        ArrayNode array = body.putArray("messages");
        messages.forEach(m -> message(m, array));
        if (options.temperature() != null) {
            body.put("temperature", options.temperature());
        }
        if (options.topP() != null) {
            body.put("top_p", options.topP());
        }
        if (options.topK() != null) {
            throw new IllegalArgumentException("topK: " + options.topK()
                    + " (expected: none; it is not part of the OpenAI chat format the gateway speaks)");
        }
        if (options.maxTokens() != null) {
            body.put("max_tokens", options.maxTokens());
        }
        if (options.stopSequences() != null && !options.stopSequences().isEmpty()) {
            ArrayNode stop = body.putArray("stop");
            options.stopSequences().forEach(stop::add);
        }
        if (options.frequencyPenalty() != null) {
            body.put("frequency_penalty", options.frequencyPenalty());
        }
        if (options.presencePenalty() != null) {
            body.put("presence_penalty", options.presencePenalty());
        }
        if (!options.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            options.tools().forEach(t -> tools.add(tool(t)));
        }
        if (options.outputSchema() != null) {
            ObjectNode format = body.putObject("response_format");
            format.put("type", "json_schema");
            format.putObject("json_schema").put("name", "output").set("schema", parse(options.outputSchema(),
                    "output schema"));
        }
        if (stream) {
            body.put("stream", true);
            // Without it an OpenAI server sends no usage in a stream, and the metadata's usage would stay empty.
            body.putObject("stream_options").put("include_usage", true);
        }
        return body.toString();
    }

    private static void message(Message message, ArrayNode out) {
        if (message instanceof SystemMessage s) {
            out.addObject().put("role", "system").put("content", s.getText());
        } else if (message instanceof UserMessage u) {
            ObjectNode m = out.addObject().put("role", "user");
            if (u.getMedia().isEmpty()) {
                m.put("content", u.getText());
            } else {
                ArrayNode parts = m.putArray("content");
                if (u.getText() != null && !u.getText().isEmpty()) {
                    parts.addObject().put("type", "text").put("text", u.getText());
                }
                u.getMedia().forEach(media -> parts.add(image(media)));
            }
        } else if (message instanceof AssistantMessage a) {
            ObjectNode m = out.addObject().put("role", "assistant");
            boolean calls = a.hasToolCalls();
            if (a.getText() != null && !(calls && a.getText().isEmpty())) {
                m.put("content", a.getText());
            } else if (calls) {
                m.putNull("content");
            } else {
                m.put("content", "");
            }
            if (calls) {
                ArrayNode array = m.putArray("tool_calls");
                for (AssistantMessage.ToolCall call : a.getToolCalls()) {
                    ObjectNode c = array.addObject();
                    c.put("id", call.id());
                    c.put("type", "function");
                    c.putObject("function").put("name", call.name())
                            .put("arguments", call.arguments() == null ? "{}" : call.arguments());
                }
            }
        } else if (message instanceof ToolResponseMessage t) {
            // One Spring AI message holds every result of a turn; OpenAI wants one message per call.
            for (ToolResponseMessage.ToolResponse r : t.getResponses()) {
                out.addObject().put("role", "tool").put("tool_call_id", r.id()).put("content", r.responseData());
            }
        } else {
            throw new IllegalArgumentException("message type: " + message.getMessageType()
                    + " (expected: system, user, assistant or tool)");
        }
    }

    private static ObjectNode image(Media media) {
        if (!"image".equals(media.getMimeType().getType())) {
            throw new IllegalArgumentException("media: " + media.getMimeType()
                    + " (expected: an image; other media are not carried to the gateway)");
        }
        String url = media.getData() instanceof String s ? s
                : "data:" + media.getMimeType() + ";base64,"
                        + Base64.getEncoder().encodeToString(media.getDataAsByteArray());
        ObjectNode part = OpenAiJson.MAPPER.createObjectNode().put("type", "image_url");
        part.putObject("image_url").put("url", url);
        return part;
    }

    private static ObjectNode tool(ToolDefinition definition) {
        ObjectNode tool = OpenAiJson.MAPPER.createObjectNode().put("type", "function");
        ObjectNode function = tool.putObject("function").put("name", definition.name());
        if (definition.description() != null) {
            function.put("description", definition.description());
        }
        function.set("parameters", parse(definition.inputSchema(), "input schema of tool " + definition.name()));
        return tool;
    }

    private static JsonNode parse(String schema, String what) {
        try {
            return OpenAiJson.MAPPER.readTree(schema);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + ": not JSON (" + e.getOriginalMessage() + ")", e);
        }
    }
}
