package dev.switchboard.core.cache;

/** The response cache's figures at one moment: lookups, evictions and what it holds against its limit. */
public record CacheStats(long hits, long misses, long evictions, long entries, long bytes, long maxBytes) {
}
