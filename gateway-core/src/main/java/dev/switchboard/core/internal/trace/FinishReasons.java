package dev.switchboard.core.internal.trace;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The {@code finish_reason}s of a chat completion's choices, read with a streaming parser (no tree is built). */
final class FinishReasons {
    private static final JsonFactory JSON = new JsonFactory();

    private FinishReasons() {
    }

    static List<String> of(byte[] body) {
        List<String> reasons = new ArrayList<>();
        try (JsonParser p = JSON.createParser(body)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.FIELD_NAME && "finish_reason".equals(p.currentName())
                        && p.nextToken() == JsonToken.VALUE_STRING) {
                    reasons.add(p.getText());
                }
            }
        } catch (IOException e) {
            return List.of(); // not JSON (an error page a backend sent with 200): no reasons to report
        }
        return reasons;
    }
}
