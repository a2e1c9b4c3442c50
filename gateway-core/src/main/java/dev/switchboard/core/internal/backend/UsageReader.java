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

    /**
     * The top-level {@code usage} of a completion or embeddings body, or {@link Usage#UNKNOWN}: read from the body's
     * end, where the OpenAI shape puts it, and from the start only when it is not found there.
     */
    public static Usage fromBody(byte[] body) {
        Usage atEnd = fromEnd(body);
        return atEnd != null ? atEnd : read(body).usage();
    }

    /** The finish reason of each choice of a completion body (none for embeddings or a body that is no JSON). */
    public static List<String> finishReasons(byte[] body) {
        return read(body).finishReasons();
    }

    /** How far from the end the {@code usage} key is looked for: an answer's usage and what follows it fit. */
    static final int END_REACH = 4096;
    private static final byte[] USAGE_KEY = "\"usage\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * The top-level usage read from the body's end, without reading the answer before it; null when it cannot be
     * told from there (no {@code "usage"} key near the end, or the last one is not the body's own), and the body is
     * then read from its start. The last {@code "usage"} key is the body's own exactly when {@code {} followed by
     * the rest of the body from that key is one whole object: a key inside a choice would leave the object's end
     * unmatched. A quote inside a JSON string always follows a backslash, so a match after one is refused too.
     */
    static Usage fromEnd(byte[] body) {
        int at = lastIndexOf(body, USAGE_KEY, Math.max(0, body.length - END_REACH));
        if (at <= 0 || body[at - 1] == '\\') {
            return null;
        }
        byte[] rest = new byte[body.length - at + 1];
        rest[0] = '{';
        System.arraycopy(body, at, rest, 1, body.length - at);
        try (JsonParser p = FACTORY.createParser(rest)) {
            p.nextToken(); // the '{' put before the key
            Usage usage = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("usage".equals(name)) {
                    if (value != JsonToken.START_OBJECT) {
                        return null; // as the forward read, which keeps only an object: let it decide
                    }
                    usage = usage(p);
                } else {
                    p.skipChildren();
                }
            }
            return p.currentToken() == JsonToken.END_OBJECT && p.nextToken() == null ? usage : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Where {@code key} last starts in {@code body} at or after {@code from}, or -1. */
    private static int lastIndexOf(byte[] body, byte[] key, int from) {
        for (int i = body.length - key.length; i >= from; i--) {
            if (body[i] == key[0] && body[i + 1] == key[1]) {
                int k = 2;
                while (k < key.length && body[i + k] == key[k]) {
                    k++;
                }
                if (k == key.length) {
                    return i;
                }
            }
        }
        return -1;
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
