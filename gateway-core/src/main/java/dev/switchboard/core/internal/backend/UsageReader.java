package dev.switchboard.core.internal.backend;

import dev.switchboard.core.Usage;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/** Reads the few things the gateway needs from upstream bodies without building the whole tree. */
public final class UsageReader {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private UsageReader() {
    }

    /** The top-level {@code usage} of a completion or embeddings body, or {@link Usage#UNKNOWN}. */
    public static Usage fromBody(byte[] body) {
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Usage.UNKNOWN;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if ("usage".equals(name) && p.currentToken() == JsonToken.START_OBJECT) {
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
                p.skipChildren();
            }
        } catch (IOException e) {
            return Usage.UNKNOWN;
        }
        return Usage.UNKNOWN;
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
