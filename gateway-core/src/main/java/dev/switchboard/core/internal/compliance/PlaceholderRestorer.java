package dev.switchboard.core.internal.compliance;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Puts masked values back into answers. For a complete answer the placeholders are replaced in the JSON text;
 * for a stream, in each chunk's {@code delta.content} — holding back a tail that may be the start of a placeholder
 * split across chunks ({@code "[ID_"} then {@code "CARD_1]"}) until the next chunk tells. Not thread-safe: one per
 * stream, fed in order.
 */
public final class PlaceholderRestorer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LONGEST_PLACEHOLDER = 64;

    private final Masking masking;
    private String held = "";
    private ObjectNode lastChunk;

    public PlaceholderRestorer(Masking masking) {
        this.masking = masking;
    }

    /** A complete JSON answer with every placeholder replaced by its value, JSON-escaped. */
    public static byte[] restoreBody(byte[] body, Masking masking) {
        if (masking.isEmpty()) {
            return body;
        }
        String text = new String(body, StandardCharsets.UTF_8);
        for (Map.Entry<String, String> e : masking.placeholders().entrySet()) {
            text = text.replace(e.getKey(), new String(JsonStringEncoder.getInstance().quoteAsString(e.getValue())));
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** One chunk with its content restored (and earlier held-back text prepended). */
    public String restoreChunk(String data) {
        JsonNode node;
        try {
            node = JSON.readTree(data);
        } catch (IOException e) {
            return data;
        }
        if (!(node instanceof ObjectNode chunk)) {
            return data;
        }
        lastChunk = chunk;
        boolean changed = false;
        for (JsonNode choice : chunk.path("choices")) {
            JsonNode delta = choice.get("delta");
            boolean finishing = choice.hasNonNull("finish_reason");
            if (delta instanceof ObjectNode d && (d.has("content") && d.get("content").isTextual() || finishing
                    && !held.isEmpty())) {
                String in = held + (d.has("content") && d.get("content").isTextual() ? d.get("content").asText() : "");
                String out = finishing ? flushAll(in) : feed(in);
                d.put("content", out);
                changed = true;
            }
        }
        return changed ? chunk.toString() : data;
    }

    /** Text still held back at the end of the stream, as a last chunk, or null when there is none. */
    public String remainder() {
        if (held.isEmpty() || lastChunk == null) {
            return null;
        }
        ObjectNode chunk = lastChunk.deepCopy();
        chunk.remove("usage");
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("delta").put("content", masking.restore(held));
        choice.putNull("finish_reason");
        held = "";
        return chunk.toString();
    }

    private String feed(String text) {
        int open = text.lastIndexOf('[');
        if (open >= 0 && text.indexOf(']', open) < 0 && text.length() - open <= LONGEST_PLACEHOLDER
                && text.substring(open + 1).chars().allMatch(c -> c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '_')) {
            held = text.substring(open);
            return masking.restore(text.substring(0, open));
        }
        held = "";
        return masking.restore(text);
    }

    private String flushAll(String text) {
        held = "";
        return masking.restore(text);
    }
}
