package dev.switchboard.server.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads traffic, one JSON object a line, in either of two shapes: the simulator's own
 * ({@code {"t":12.5,"tenant":"retail","model":"chat","headers":{"x-scenario":"faq"},"prompt_tokens":300,
 * "output_tokens":120}}) or a line of a sidecar's audit log (time, tenant, model, estimated prompt tokens,
 * completion tokens), so real traffic can be replayed against a new config.
 */
final class TrafficReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrafficReader() {
    }

    static List<TrafficRecord> read(Path file) throws IOException {
        List<TrafficRecord> out = new ArrayList<>();
        Instant first = null;
        int lineNo = 0;
        for (String line : Files.readAllLines(file)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                throw new IOException(file + " line " + lineNo + ": not JSON: " + e.getMessage(), e);
            }
            Map<String, String> headers = new HashMap<>();
            n.path("headers").fields().forEachRemaining(e -> headers.put(e.getKey().toLowerCase(java.util.Locale.ROOT),
                    e.getValue().asText()));
            double t;
            int prompt;
            int output;
            if (n.has("request_id") && n.has("time")) { // an audit-log line
                Instant at = Instant.parse(n.get("time").asText());
                first = first == null ? at : first;
                t = (at.toEpochMilli() - first.toEpochMilli()) / 1000.0;
                prompt = n.path("prompt_tokens").asInt(n.path("estimated_prompt_tokens").asInt(100));
                output = n.path("completion_tokens").asInt(200);
            } else {
                if (!n.has("t")) {
                    throw new IOException(file + " line " + lineNo + ": needs \"t\" (seconds from the start)");
                }
                t = n.get("t").asDouble();
                prompt = n.path("prompt_tokens").asInt(-1);
                output = n.path("output_tokens").asInt(200);
            }
            String text = n.hasNonNull("prompt") ? n.get("prompt").asText() : null;
            if (text == null && prompt < 0) {
                prompt = 100;
            }
            String scenario = n.path("scenario").asText(headers.getOrDefault("x-scenario", "default"));
            out.add(new TrafficRecord(t, n.path("tenant").asText("anonymous"), n.path("model").asText("chat"),
                    headers, text, prompt, output, scenario));
        }
        out.sort(Comparator.comparingDouble(TrafficRecord::offsetSeconds));
        return out;
    }
}
