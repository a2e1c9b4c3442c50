package dev.switchboard.core.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Applies the scanner to every text of a request the upstream would read: message content (plain and
 * multi-part), {@code name} fields, tool-call arguments (and the legacy {@code function_call}), tool results, and
 * embeddings input. The same walk either counts findings or masks them.
 */
public final class RequestScanner {
    private final SensitiveDataScanner scanner;

    public RequestScanner(SensitiveDataScanner scanner) {
        this.scanner = scanner;
    }

    /** Kinds and counts found; a detector failure is reported as {@link Assessment#DETECTOR_ERROR}. */
    public Assessment assess(JsonNode request) {
        if (scanner.isEmpty()) {
            return Assessment.CLEAN;
        }
        Map<String, Integer> counts = new HashMap<>();
        try {
            walk(request, text -> {
                for (Finding f : scanner.scan(text)) {
                    counts.merge(f.kind(), 1, Integer::sum);
                }
                return text;
            });
        } catch (RuntimeException | StackOverflowError e) {
            // Fail closed: a scan that could not finish may have missed something. (A custom pattern with deep
            // alternation overflows java.util.regex's stack on long input.)
            counts.merge(Assessment.DETECTOR_ERROR, 1, Integer::sum);
        }
        return new Assessment(counts);
    }

    /** A copy of the request with every finding replaced by its placeholder, recorded in {@code masking}. */
    public ObjectNode mask(ObjectNode request, Masking masking) {
        ObjectNode copy = request.deepCopy();
        walk(copy, text -> {
            List<Finding> findings = scanner.scan(text);
            return masking.apply(text, findings);
        });
        return copy;
    }

    private static void walk(JsonNode request, UnaryOperator<String> onText) {
        JsonNode messages = request.get("messages");
        if (messages != null && messages.isArray()) {
            for (JsonNode m : messages) {
                if (!(m instanceof ObjectNode message)) {
                    continue;
                }
                rewrite(message, "content", onText);
                rewrite(message, "name", onText);
                JsonNode content = message.get("content");
                if (content instanceof ArrayNode parts) {
                    for (JsonNode part : parts) {
                        if (part instanceof ObjectNode p) {
                            rewrite(p, "text", onText);
                        }
                    }
                }
                for (JsonNode call : message.path("tool_calls")) {
                    if (call.get("function") instanceof ObjectNode fn) {
                        rewrite(fn, "arguments", onText);
                    }
                }
                if (message.get("function_call") instanceof ObjectNode fn) {
                    rewrite(fn, "arguments", onText);
                }
            }
        }
        if (request instanceof ObjectNode root) {
            JsonNode input = root.get("input");
            if (input != null && input.isTextual()) {
                rewrite(root, "input", onText);
            } else if (input instanceof ArrayNode items) {
                for (int i = 0; i < items.size(); i++) {
                    if (items.get(i).isTextual()) {
                        items.set(i, TextNode.valueOf(onText.apply(items.get(i).asText())));
                    }
                }
            }
        }
    }

    private static void rewrite(ObjectNode node, String field, UnaryOperator<String> onText) {
        JsonNode v = node.get(field);
        if (v != null && v.isTextual()) {
            String before = v.asText();
            String after = onText.apply(before);
            if (!after.equals(before)) {
                node.put(field, after);
            }
        }
    }
}
