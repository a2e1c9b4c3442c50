package dev.switchboard.core;

import dev.switchboard.core.routing.RoutingDecision;

/**
 * Receives a streamed completion. Calls come on an upstream thread, in order, never concurrently; a listener may
 * block in {@link #onEvent} to slow the upstream down (backpressure), but never on a thread it does not own.
 *
 * <p>Either {@link #onStart} then events then exactly one of {@link #onComplete}/{@link #onError}; or, when no
 * backend could start the stream, {@link #onError} alone with {@code started == false}.
 */
public interface StreamListener {
    /** A backend has produced its first event, which follows at once; failover is no longer possible. */
    void onStart(RoutingDecision decision, String backend);

    /**
     * Whether the answer comes from the cache ({@code hit}), will be stored ({@code miss}) or neither
     * ({@code bypass}); called once, before {@link #onStart}. For a hit, {@code onStart} gets a null decision.
     */
    default void onCache(dev.switchboard.core.cache.CacheStatus status) {
    }

    /** One SSE {@code data:} payload, a {@code chat.completion.chunk} JSON object. */
    void onEvent(String data);

    /**
     * The upstream has nothing more ready right now. A listener that buffers events flushes here: one write per
     * burst instead of one per event.
     */
    default void onIdle() {
    }

    /** The stream ended cleanly. */
    void onComplete(Usage usage, String finishReason);

    /**
     * The stream failed.
     *
     * @param started whether {@link #onStart} was called (then the client has partial output)
     */
    void onError(GatewayException error, boolean started);

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
