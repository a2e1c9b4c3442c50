package dev.switchboard.langchain4j;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.image.Image;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import java.util.List;
import java.util.Locale;

/**
 * A LangChain4j {@link ChatRequest} as the OpenAI chat-completions body the gateway takes. The model is the route
 * name; what OpenAI's format has no place for (top-k, custom messages, audio or video content) is refused with
 * {@link UnsupportedFeatureException} rather than dropped, so a caller never believes it was applied.
 */
final class OpenAiRequestWriter {
    private OpenAiRequestWriter() {
    }

    static String write(ChatRequest request, boolean stream) {
        ChatRequestParameters p = request.parameters();
        if (p.modelName() == null || p.modelName().isBlank()) {
            throw new IllegalArgumentException("modelName: " + p.modelName()
                    + " (expected: a route name of the gateway's config, in the builder or the request)");
        }
        ObjectNode body = OpenAiJson.MAPPER.createObjectNode();
        body.put("model", p.modelName());
        ArrayNode messages = body.putArray("messages");
        request.messages().forEach(m -> messages.add(message(m)));
        if (p.temperature() != null) {
            body.put("temperature", p.temperature());
        }
        if (p.topP() != null) {
            body.put("top_p", p.topP());
        }
        if (p.topK() != null) {
            throw new UnsupportedFeatureException("topK is not part of the OpenAI chat format the gateway speaks");
        }
        if (p.frequencyPenalty() != null) {
            body.put("frequency_penalty", p.frequencyPenalty());
        }
        if (p.presencePenalty() != null) {
            body.put("presence_penalty", p.presencePenalty());
        }
        if (p.maxOutputTokens() != null) {
            body.put("max_tokens", p.maxOutputTokens());
        }
        if (p.stopSequences() != null && !p.stopSequences().isEmpty()) {
            ArrayNode stop = body.putArray("stop");
            p.stopSequences().forEach(stop::add);
        }
        List<ToolSpecification> tools = p.toolSpecifications();
        if (tools != null && !tools.isEmpty()) {
            ArrayNode array = body.putArray("tools");
            tools.forEach(t -> array.add(tool(t)));
        }
        if (p.toolChoice() != null) {
            body.put("tool_choice", toolChoice(p.toolChoice()));
        }
        if (p.responseFormat() != null) {
            ObjectNode format = responseFormat(p.responseFormat());
            if (format != null) {
                body.set("response_format", format);
            }
        }
        if (stream) {
            body.put("stream", true);
            // Without it an OpenAI server sends no usage in a stream, and TokenUsage would stay empty.
            body.putObject("stream_options").put("include_usage", true);
        }
        return body.toString();
    }

    private static ObjectNode message(ChatMessage message) {
        ObjectNode out = OpenAiJson.MAPPER.createObjectNode();
        if (message instanceof SystemMessage s) {
            out.put("role", "system");
            out.put("content", s.text());
        } else if (message instanceof UserMessage u) {
            out.put("role", "user");
            if (u.name() != null) {
                out.put("name", u.name());
            }
            if (u.hasSingleText()) {
                out.put("content", u.singleText());
            } else {
                ArrayNode parts = out.putArray("content");
                u.contents().forEach(c -> parts.add(part(c)));
            }
        } else if (message instanceof AiMessage ai) {
            out.put("role", "assistant");
            if (ai.text() != null) {
                out.put("content", ai.text());
            } else if (ai.hasToolExecutionRequests()) {
                out.putNull("content");
            } else {
                out.put("content", "");
            }
            if (ai.hasToolExecutionRequests()) {
                ArrayNode calls = out.putArray("tool_calls");
                for (ToolExecutionRequest r : ai.toolExecutionRequests()) {
                    ObjectNode call = calls.addObject();
                    call.put("id", r.id());
                    call.put("type", "function");
                    call.putObject("function").put("name", r.name())
                            .put("arguments", r.arguments() == null ? "{}" : r.arguments());
                }
            }
        } else if (message instanceof ToolExecutionResultMessage t) {
            out.put("role", "tool");
            out.put("tool_call_id", t.id());
            out.put("content", t.text());
        } else {
            throw new UnsupportedFeatureException("message type " + message.type()
                    + " has no place in the OpenAI chat format");
        }
        return out;
    }

    private static ObjectNode part(Content content) {
        ObjectNode out = OpenAiJson.MAPPER.createObjectNode();
        if (content instanceof TextContent t) {
            out.put("type", "text");
            out.put("text", t.text());
        } else if (content instanceof ImageContent i) {
            out.put("type", "image_url");
            Image image = i.image();
            String url = image.url() != null ? image.url().toString()
                    : "data:" + image.mimeType() + ";base64," + image.base64Data();
            ObjectNode imageUrl = out.putObject("image_url").put("url", url);
            if (i.detailLevel() != null) {
                imageUrl.put("detail", i.detailLevel().name().toLowerCase(Locale.ROOT));
            }
        } else {
            throw new UnsupportedFeatureException("content type " + content.type()
                    + " is not carried to the gateway (text and images are)");
        }
        return out;
    }

    private static ObjectNode tool(ToolSpecification spec) {
        ObjectNode tool = OpenAiJson.MAPPER.createObjectNode();
        tool.put("type", "function");
        ObjectNode function = tool.putObject("function");
        function.put("name", spec.name());
        if (spec.description() != null) {
            function.put("description", spec.description());
        }
        JsonObjectSchema parameters = spec.parameters();
        // A tool without parameters still needs an object schema: some servers refuse a function without one.
        function.set("parameters", parameters != null ? JsonSchemaWriter.write(parameters)
                : OpenAiJson.MAPPER.createObjectNode().put("type", "object").set("properties",
                        OpenAiJson.MAPPER.createObjectNode()));
        if (spec.strict() != null) {
            function.put("strict", spec.strict());
        }
        return tool;
    }

    private static String toolChoice(ToolChoice choice) {
        return switch (choice) {
            case AUTO -> "auto";
            case REQUIRED -> "required";
            case NONE -> "none";
        };
    }

    /** {@code json_object} for JSON mode, {@code json_schema} when a schema is given; plain text: nothing. */
    private static ObjectNode responseFormat(ResponseFormat format) {
        if (format.type() != ResponseFormatType.JSON) {
            return null;
        }
        ObjectNode out = OpenAiJson.MAPPER.createObjectNode();
        JsonSchema schema = format.jsonSchema();
        if (schema == null) {
            out.put("type", "json_object");
            return out;
        }
        out.put("type", "json_schema");
        ObjectNode jsonSchema = out.putObject("json_schema");
        jsonSchema.put("name", schema.name() == null ? "response" : schema.name());
        jsonSchema.set("schema", JsonSchemaWriter.write(schema.rootElement()));
        return out;
    }
}
