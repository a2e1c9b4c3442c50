package dev.switchboard.core.backend;

import dev.switchboard.core.Usage;

/**
 * Receives one upstream stream, on the thread that reads it (never a Netty event loop; a sink may block it to
 * apply backpressure). Exactly one of {@link #onDone} and {@link #onFailure} ends the stream.
 */
public interface StreamSink {
    /** One SSE {@code data:} payload to relay, in order. */
    void onEvent(String data);

    /**
     * The upstream answered the streamed request with one whole JSON body (it ignores {@code stream: true}); the
     * events that follow are made from it. Called once, before them.
     */
    default void onWholeAnswer() {
    }

    /** The upstream has nothing more ready right now: a good moment to flush what was relayed. */
    default void onIdle() {
    }

    /** The stream ended cleanly; usage as the upstream reported it. */
    void onDone(Usage usage, String finishReason);

    void onFailure(UpstreamFailure failure, int eventsDelivered);

    /**
     * Whether the receiver can take more now. A transport that reads on an event loop (where nothing may block)
     * stops reading while it cannot, and resumes through {@link #whenReady}; one that reads on its own thread may
     * simply block in {@code onEvent}.
     */
    default boolean ready() {
        return true;
    }

    /** Runs {@code resume} once the receiver can take more (at once if it already can), on any thread. */
    default void whenReady(Runnable resume) {
        resume.run();
    }
}
