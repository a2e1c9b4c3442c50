package dev.switchboard.core.internal.chain;

import dev.switchboard.core.Usage;

/** What the chain answers: a complete body, or a stream that has started. */
public sealed interface Reply {
    /** The backend that answered (for a cache hit, the one that answered first). */
    String backend();

    /**
     * A complete answer.
     *
     * @param body        the answer as the client gets it (placeholders put back)
     * @param contentType its media type
     * @param usage       tokens as the upstream reported them
     * @param cost        what the call cost at the backend's prices (0 for a cache hit)
     * @param currency    of the cost
     */
    record Answer(byte[] body, String contentType, String backend, Usage usage, double cost, String currency)
            implements Reply {
    }

    /**
     * A stream that has started: its first event is on its way down the exchange's listener, and every later one
     * follows there, so nothing can be tried again any more.
     */
    record Streaming(String backend) implements Reply {
    }
}
