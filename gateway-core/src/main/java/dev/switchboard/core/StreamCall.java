package dev.switchboard.core;

/** A running streamed call. */
public interface StreamCall {
    /** Stops the call and the upstream request at once (e.g. the client went away). Idempotent. */
    void cancel();
}
