package dev.switchboard.core.cache;

import java.util.Locale;

/** Where an answer came from, as the {@code x-switchboard-cache} header says it. */
public enum CacheStatus {
    /** Answered from the cache. */
    HIT,
    /** Not in the cache; the answer will be kept. */
    MISS,
    /** Not cacheable (route, determinism, {@code no-store}, an operation other than chat). */
    BYPASS;

    /** {@code hit}, {@code miss} or {@code bypass}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
