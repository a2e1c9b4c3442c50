package dev.switchboard.core.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.Usage;
import java.io.IOException;

/**
 * Turns an upstream's SSE lines into a {@link StreamSink}'s calls, whatever reads them (OkHttp's blocking source
 * or a Netty channel): gathers {@code data:} lines into events, reads usage and the finish reason on the way,
 * keeps back the usage-only chunk the gateway asked for itself, and ends at {@code data: [DONE]}. Not
 * thread-safe: one reader feeds it in order.
 */
public final class SseRelay {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String backend;
    private final boolean forwardUsageChunk;
    private final StreamSink sink;
    private final Runnable onEvent;
    private final StringBuilder data = new StringBuilder();
    private Usage usage = Usage.UNKNOWN;
    private String finishReason;
    private int delivered;
    private boolean ended;

    /**
     * @param onEvent called for every complete event read, relayed or not (the stream watchdog's clock)
     */
    public SseRelay(String backend, boolean forwardUsageChunk, StreamSink sink, Runnable onEvent) {
        this.backend = backend;
        this.forwardUsageChunk = forwardUsageChunk;
        this.sink = sink;
        this.onEvent = onEvent;
    }

    /** Events handed to the sink so far. */
    public int delivered() {
        return delivered;
    }

    /** Whether the stream has ended ({@code [DONE]}, or {@link #eof}). */
    public boolean ended() {
        return ended;
    }

    /**
     * One line, without its line break. Returns true when it completed an event that was relayed.
     *
     * @throws IOException when an event that should carry usage or a finish reason is not JSON
     */
    public boolean line(String line) throws IOException {
        if (ended) {
            return false;
        }
        if (line.startsWith("data:")) {
            if (data.length() > 0) {
                data.append('\n');
            }
            data.append(line, line.length() > 5 && line.charAt(5) == ' ' ? 6 : 5, line.length());
            return false;
        }
        if (!line.isEmpty() || data.length() == 0) {
            return false; // comments, event names and ids carry nothing to relay
        }
        String payload = data.toString();
        data.setLength(0);
        onEvent.run();
        if (payload.equals("[DONE]")) {
            ended = true;
            sink.onDone(usage, finishReason);
            return false;
        }
        boolean usageOnly = false;
        // Only chunks that carry usage or a finish reason are parsed; OpenAI sends "usage":null in every chunk of a
        // stream that asked for usage, and those are passed through unread.
        if (carries(payload, "\"usage\"") || carries(payload, "\"finish_reason\"")) {
            JsonNode chunk = JSON.readTree(payload);
            JsonNode u = chunk.get("usage");
            if (u != null && u.isObject()) {
                usage = new Usage(u.path("prompt_tokens").asLong(0), u.path("completion_tokens").asLong(0));
                usageOnly = chunk.path("choices").isEmpty();
            }
            for (JsonNode choice : chunk.path("choices")) {
                if (choice.hasNonNull("finish_reason")) {
                    finishReason = choice.get("finish_reason").asText();
                }
            }
        }
        if (usageOnly && !forwardUsageChunk) {
            return false;
        }
        sink.onEvent(payload);
        delivered++;
        return true;
    }

    /**
     * Whether an answer to a streamed request with this {@code Content-Type} is one whole JSON body rather than a
     * stream: a server that ignores {@code stream: true}. No content type, or {@code text/event-stream}, is a stream.
     */
    public static boolean isWholeAnswer(String contentType) {
        if (contentType == null) {
            return false;
        }
        String media = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        return media.equals("application/json") || media.endsWith("+json");
    }

    /**
     * The upstream answered the streamed request with one whole {@code chat.completion} instead of a stream (it
     * ignores {@code stream: true}). It is relayed as the stream it stands for: one chunk per choice whose delta is
     * the whole message (role, content, refusal, tool calls with their indexes) and its finish reason, then the usage
     * chunk when the gateway asked for one, then the end — so a client that streams, and a call the gateway
     * assembles, get the same answer as from a server that streams. A body that is not a chat completion is a
     * failure before any event (it fails over).
     */
    public void whole(String body) {
        if (ended) {
            return;
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(body);
        } catch (IOException e) {
            answer = null;
        }
        if (answer == null || !answer.isObject() || !answer.path("choices").isArray()
                || answer.path("choices").isEmpty()) {
            ended = true;
            sink.onFailure(new UpstreamFailure(UpstreamFailure.Kind.TRUNCATED, backend, "backend '" + backend
                    + "' answered a streamed request with JSON that is not a chat completion", 0, null, null, null),
                    0);
            return;
        }
        sink.onWholeAnswer();
        for (JsonNode choice : answer.path("choices")) {
            com.fasterxml.jackson.databind.node.ObjectNode chunk = chunkOf(answer);
            com.fasterxml.jackson.databind.node.ObjectNode c = chunk.putArray("choices").addObject();
            c.put("index", choice.path("index").asInt(0));
            com.fasterxml.jackson.databind.node.ObjectNode delta = c.putObject("delta");
            JsonNode message = choice.path("message");
            delta.put("role", message.path("role").asText("assistant"));
            for (String field : new String[] {"content", "refusal"}) {
                if (message.hasNonNull(field)) {
                    delta.set(field, message.get(field));
                }
            }
            if (message.path("tool_calls").isArray() && !message.path("tool_calls").isEmpty()) {
                com.fasterxml.jackson.databind.node.ArrayNode calls = delta.putArray("tool_calls");
                int i = 0;
                for (JsonNode call : message.path("tool_calls")) {
                    com.fasterxml.jackson.databind.node.ObjectNode copy = call.deepCopy();
                    copy.put("index", i++);
                    calls.add(copy);
                }
            }
            if (choice.has("logprobs")) {
                c.set("logprobs", choice.get("logprobs"));
            }
            JsonNode finish = choice.get("finish_reason");
            c.set("finish_reason", finish == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : finish);
            if (finish != null && !finish.isNull()) {
                finishReason = finish.asText();
            }
            emit(chunk);
        }
        JsonNode u = answer.get("usage");
        if (u != null && u.isObject()) {
            usage = new Usage(u.path("prompt_tokens").asLong(0), u.path("completion_tokens").asLong(0));
            if (forwardUsageChunk) {
                com.fasterxml.jackson.databind.node.ObjectNode chunk = chunkOf(answer);
                chunk.putArray("choices");
                chunk.set("usage", u);
                emit(chunk);
            }
        }
        ended = true;
        if (finishReason != null) {
            sink.onDone(usage, finishReason);
        } else {
            sink.onFailure(new UpstreamFailure(UpstreamFailure.Kind.TRUNCATED, backend, "backend '" + backend
                    + "' answered a streamed request with a chat completion without a finish reason", 0, null,
                    null, null), delivered);
        }
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode chunkOf(JsonNode answer) {
        com.fasterxml.jackson.databind.node.ObjectNode chunk = JSON.createObjectNode();
        chunk.put("id", answer.path("id").asText(""));
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", answer.path("created").asLong(0));
        chunk.put("model", answer.path("model").asText(""));
        if (answer.hasNonNull("system_fingerprint")) {
            chunk.set("system_fingerprint", answer.get("system_fingerprint"));
        }
        return chunk;
    }

    private void emit(JsonNode chunk) {
        onEvent.run();
        sink.onEvent(chunk.toString());
        delivered++;
    }

    /**
     * The upstream's body ended without {@code [DONE]}: a complete answer if a finish reason came (some upstreams
     * end so), else a truncated one.
     */
    public void eof() {
        if (ended) {
            return;
        }
        ended = true;
        if (finishReason != null) {
            sink.onDone(usage, finishReason);
        } else {
            sink.onFailure(new UpstreamFailure(UpstreamFailure.Kind.TRUNCATED, backend, "backend '" + backend
                    + "' ended the stream before it was complete", 0, null, null, null), delivered);
        }
    }

    /**
     * The failure for a connection lost mid-stream (unless a guard or the caller explains it otherwise). Its message
     * reaches the client, so {@code why} (a reset, an address, the client library's words) goes into its cause,
     * for the log ({@link UpstreamFailure#detail()}).
     */
    public UpstreamFailure cut(String why, Throwable cause) {
        Throwable because = cause != null ? cause : new java.io.IOException(why);
        return new UpstreamFailure(UpstreamFailure.Kind.TRUNCATED, backend, "backend '" + backend
                + "' cut the stream after " + delivered + " events", 0, null, null, because);
    }

    /** Whether {@code key} appears in the chunk with a value other than {@code null}. */
    static boolean carries(String payload, String key) {
        for (int i = payload.indexOf(key); i >= 0; i = payload.indexOf(key, i + key.length())) {
            int j = i + key.length();
            while (j < payload.length() && (payload.charAt(j) == ':' || Character.isWhitespace(payload.charAt(j)))) {
                j++;
            }
            if (!payload.startsWith("null", j)) {
                return true;
            }
        }
        return false;
    }
}
