package dev.switchboard.core.backend;

/** A running upstream stream; cancelling it closes the upstream connection at once. */
public interface UpstreamStream {
    void cancel();
}
