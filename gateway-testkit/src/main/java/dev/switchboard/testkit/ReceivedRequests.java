package dev.switchboard.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The requests one {@link MockModelServer} received: the newest {@code recordLimit} of them, oldest first, each
 * numbered by a sequence that only goes up.
 *
 * <p>One lock guards the numbering and the queue together, so the order of the queue is the order of the numbers:
 * a client that asks for everything after the last number it saw ({@code GET /__received?since=N}) cannot miss a
 * request numbered lower than one it already got. The lock is held only to number, append and trim.
 */
final class ReceivedRequests {

    /** Headers whose values {@code /__received} never shows: they carry keys. */
    static final Set<String> SECRET_HEADERS = Set.of("authorization", "proxy-authorization", "api-key", "x-api-key");

    /** Strict: a body is JSON only if it is one JSON value and nothing after it. */
    private static final ObjectReader STRICT_JSON = MockModelBehaviour.JSON.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final ArrayDeque<RecordedRequest> kept = new ArrayDeque<>();
    private long lastSeq;

    /**
     * Numbers and keeps one request, then drops the oldest until at most {@code limit} are kept (a smaller limit
     * swapped in while running takes effect at the next request; 0 keeps none). The number is taken whether or
     * not the request is kept, so gaps show what was dropped.
     */
    RecordedRequest add(int limit, String method, String path, Map<String, String> headers, String body) {
        Instant now = Instant.now();
        synchronized (this) {
            RecordedRequest request = new RecordedRequest(method, path, headers, body, ++lastSeq, now);
            if (limit > 0) {
                kept.addLast(request);
            }
            while (kept.size() > limit) {
                kept.removeFirst();
            }
            return request;
        }
    }

    /**
     * A request received while none are kept (the limit is 0): it takes its number, as a recorded one would, and
     * what an earlier, larger limit kept goes, as {@link #add} with a limit of 0 would drop it.
     */
    synchronized void countOnly() {
        ++lastSeq;
        kept.clear();
    }

    /** Every kept request, oldest first. */
    synchronized List<RecordedRequest> all() {
        return List.copyOf(kept);
    }

    /** The kept requests numbered above {@code since}, and of those only the newest {@code last}. */
    synchronized List<RecordedRequest> select(long since, int last) {
        List<RecordedRequest> out = new ArrayList<>();
        for (RecordedRequest r : kept) {
            if (r.seq() > since) {
                out.add(r);
            }
        }
        return out.size() > last ? List.copyOf(out.subList(out.size() - last, out.size())) : out;
    }

    synchronized void clear() {
        kept.clear();
    }

    /**
     * The answer of {@code GET /__received}: {@code {"object":"list","data":[...]}}, each request with its number,
     * method, path, time, headers (secret ones as {@code ***}) and body. A body that is JSON is written into the
     * answer exactly as received, byte for byte; any other body as a JSON string.
     */
    static byte[] toJson(List<RecordedRequest> requests) {
        ObjectNode root = MockModelBehaviour.JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (RecordedRequest r : requests) {
            ObjectNode item = data.addObject();
            item.put("seq", r.seq());
            item.put("method", r.method());
            item.put("path", r.path());
            item.put("received_at", r.receivedAt().truncatedTo(ChronoUnit.MILLIS).toString());
            ObjectNode headers = item.putObject("headers");
            new TreeMap<>(r.headers()).forEach((name, value) ->
                    headers.put(name, SECRET_HEADERS.contains(name) ? "***" : value));
            if (isJson(r.body())) {
                item.putRawValue("body", new RawValue(r.body()));
            } else {
                item.put("body", r.body());
            }
        }
        try {
            // Ends with a line break, so that in a terminal the prompt does not follow the closing brace.
            return (MockModelBehaviour.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n")
                    .getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The {@code logBodies} line of one request: {@code received POST /v1/chat/completions <body>}. A JSON body as
     * received with its line breaks taken out (in JSON they can only be spacing between tokens); any other body as a
     * JSON string, so that it too stays on one line.
     */
    static String logLine(RecordedRequest r) {
        String line = "received " + r.method() + " " + r.path();
        if (r.body().isEmpty()) {
            return line;
        }
        String body;
        if (isJson(r.body())) {
            body = r.body().replace("\r", "").replace("\n", "");
        } else {
            body = MockModelBehaviour.JSON.getNodeFactory().textNode(r.body()).toString();
        }
        return line + " " + body;
    }

    /** Whether {@code body} is exactly one JSON value (surrounding spacing allowed). */
    static boolean isJson(String body) {
        if (body.isBlank()) {
            return false;
        }
        try {
            JsonNode node = STRICT_JSON.readTree(body);
            return node != null && !node.isMissingNode();
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
