package dev.switchboard.core.backend;

import dev.switchboard.core.Operation;
import dev.switchboard.core.config.BackendSpec;
import java.util.concurrent.CompletableFuture;

/** One upstream model. Implementations are thread-safe and never block the caller. */
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
}
