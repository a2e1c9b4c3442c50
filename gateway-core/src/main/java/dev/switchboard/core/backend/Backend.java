package dev.switchboard.core.backend;

import dev.switchboard.core.Operation;
import dev.switchboard.core.config.BackendSpec;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One upstream model. Implementations are thread-safe and never block the caller. A body they are given is read,
 * never changed: it may be the client's own bytes, which a retry or the next candidate is given again.
 */
public interface Backend {
    BackendSpec spec();

    default String name() {
        return spec().name();
    }

    /**
     * Sends a complete request; the future fails with {@link UpstreamFailure} for any non-2xx answer or I/O
     * error. Cancelling the future cancels the call.
     */
    CompletableFuture<UpstreamReply> send(Operation operation, byte[] body);

    /**
     * Starts a streamed chat completion.
     *
     * @param forwardUsageChunk whether the trailing usage-only chunk goes to the sink (only when the client asked)
     */
    UpstreamStream stream(byte[] body, boolean forwardUsageChunk, StreamSink sink);

    /**
     * As {@link #send(Operation, byte[])}, with headers the gateway adds to the upstream request: the trace context
     * ({@code traceparent}, {@code tracestate}, {@code baggage}) so the model server's spans join the request's
     * trace. A transport that cannot send them may keep this default, which drops them.
     */
    default CompletableFuture<UpstreamReply> send(Operation operation, byte[] body, Map<String, String> headers) {
        return send(operation, body);
    }

    /** As {@link #stream(byte[], boolean, StreamSink)}, with the gateway's headers (see {@link #send(Operation,
     * byte[], Map)}). */
    default UpstreamStream stream(byte[] body, boolean forwardUsageChunk, StreamSink sink,
            Map<String, String> headers) {
        return stream(body, forwardUsageChunk, sink);
    }

    /**
     * As {@link #send(Operation, byte[], Map)}, with the body in pieces (the client's bytes around the replaced model):
     * what the gateway calls. A transport that can write the pieces as they lie overrides it; this default joins
     * them first.
     */
    default CompletableFuture<UpstreamReply> send(Operation operation, UpstreamBody body,
            Map<String, String> headers) {
        return send(operation, body.toBytes(), headers);
    }

    /** As {@link #stream(byte[], boolean, StreamSink, Map)}, with the body in pieces (see {@link #send(Operation,
     * UpstreamBody, Map)}). */
    default UpstreamStream stream(UpstreamBody body, boolean forwardUsageChunk, StreamSink sink,
            Map<String, String> headers) {
        return stream(body.toBytes(), forwardUsageChunk, sink, headers);
    }
}
