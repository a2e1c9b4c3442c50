package dev.switchboard.core.internal.backend;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.Usage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reads the few things the gateway needs from upstream bodies without building the whole tree. */
public final class UsageReader {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private UsageReader() {
    }

    /** What a whole answer says about itself: its usage, and the finish reason of each choice. */
    public record Read(Usage usage, List<String> finishReasons) {
        static final Read UNKNOWN = new Read(Usage.UNKNOWN, List.of());
    }

    /** The top-level {@code usage} of a completion or embeddings body, or {@link Usage#UNKNOWN}. */
    public static Usage fromBody(byte[] body) {
        return read(body).usage();
    }

    /**
     * In one pass over a completion or embeddings body: its top-level {@code usage} ({@link Usage#UNKNOWN} when
     * absent) and the {@code finish_reason} of each choice (none for embeddings).
     */
    public static Read read(byte[] body) {
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Read.UNKNOWN;
            }
            Usage usage = Usage.UNKNOWN;
            List<String> reasons = List.of();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("usage".equals(name) && value == JsonToken.START_OBJECT) {
                    usage = usage(p);
                } else if ("choices".equals(name) && value == JsonToken.START_ARRAY) {
                    reasons = finishReasons(p);
                } else {
                    p.skipChildren();
                }
            }
            return new Read(usage, reasons);
        } catch (IOException e) {
            return Read.UNKNOWN;
        }
    }

    /** The usage object the parser is at the start of. */
    private static Usage usage(JsonParser p) throws IOException {
        long prompt = 0;
        long completion = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if ("prompt_tokens".equals(field)) {
                prompt = p.getValueAsLong();
            } else if ("completion_tokens".equals(field)) {
                completion = p.getValueAsLong();
            } else {
                p.skipChildren();
            }
        }
        return new Usage(prompt, completion);
    }

    /** The {@code finish_reason} of each choice of the array the parser is at the start of. */
    private static List<String> finishReasons(JsonParser p) throws IOException {
        List<String> reasons = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                if (p.nextToken() == JsonToken.VALUE_STRING && "finish_reason".equals(field)) {
                    reasons.add(p.getText());
                } else {
                    p.skipChildren();
                }
            }
        }
        p.skipChildren(); // a choices array of anything but objects
        return List.copyOf(reasons);
    }

    /** The {@code error.message} of an OpenAI error body, or the start of the text when it is not one. */
    public static String errorMessage(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        try {
            JsonNode node = MAPPER.readTree(body);
            String m = node.path("error").path("message").asText("");
            if (!m.isEmpty()) {
                return m;
            }
        } catch (IOException e) {
            // not JSON: fall through to the raw text
        }
        return body.length() > 300 ? body.substring(0, 300) + "..." : body;
    }
}
