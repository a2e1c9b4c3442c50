package dev.switchboard.core.internal.cache;

import dev.switchboard.core.Usage;

/**
 * A complete, successful chat completion kept for reuse: the {@code chat.completion} JSON (a streamed answer is
 * assembled into one), the backend that produced it, its usage and when it was produced (the time to live counts
 * from then, in either cache level).
 */
public record CachedAnswer(byte[] completion, String backend, Usage usage, long createdAtMillis) {
    /** The cache's weight: the body's bytes and a little for the entry. */
    int weight() {
        return completion.length + 128;
    }
}
