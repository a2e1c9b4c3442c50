package dev.switchboard.core.cache;

import dev.switchboard.core.Usage;

/**
 * A complete, successful chat completion kept for reuse: the {@code chat.completion} JSON (a streamed answer is
 * assembled into one), the backend that produced it and its usage.
 */
public record CachedAnswer(byte[] completion, String backend, Usage usage) {
    /** The cache's weight: the body's bytes and a little for the entry. */
    int weight() {
        return completion.length + 128;
    }
}
