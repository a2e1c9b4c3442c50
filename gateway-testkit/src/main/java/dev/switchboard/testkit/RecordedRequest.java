package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One request exactly as the simulated model received it, kept so tests can assert on what crossed the wire.
 *
 * @param method     HTTP method
 * @param path       request path with query
 * @param headers    request headers, names in lower case
 * @param body       the body as UTF-8 text
 * @param seq        its number at this server: 1 for the first request received, then one more for each
 * @param receivedAt when it arrived
 */
public record RecordedRequest(String method, String path, Map<String, String> headers, String body, long seq,
        Instant receivedAt) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public RecordedRequest {
        headers = Map.copyOf(headers);
        Objects.requireNonNull(receivedAt, "receivedAt");
    }

    /** The named header, or {@code null}. */
    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The body parsed as JSON. */
    public JsonNode json() {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("recorded body is not JSON: " + body, e);
        }
    }
}
