package dev.switchboard.core.internal.state;

import dev.switchboard.core.internal.cache.CachedAnswer;
import java.util.concurrent.CompletableFuture;

/**
 * The cache's second level, shared by every sidecar. Keys are the first level's, so the same scoping rules hold
 * (a request holding customer data is keyed to its tenant). Never fails: an unreachable store is a miss.
 */
public interface SharedCache {
    /** No second level. */
    SharedCache NONE = new SharedCache() {
        @Override
        public CompletableFuture<CachedAnswer> get(String key) {
            return MISS;
        }

        @Override
        public void put(String key, CachedAnswer answer) {
        }
    };

    CompletableFuture<CachedAnswer> MISS = CompletableFuture.completedFuture(null);

    /** The answer under the key, or null. */
    CompletableFuture<CachedAnswer> get(String key);

    /** Keeps an answer for the rest of its time to live; in the background, a failure only counted. */
    void put(String key, CachedAnswer answer);
}
