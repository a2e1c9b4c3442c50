package dev.switchboard.core.internal.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.cache.CacheStats;
import dev.switchboard.core.config.CacheSpec;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Exact-match answers on Caffeine: bounded by the bytes of the cached bodies, expiring after the TTL on the
 * injected clock. A miss <em>claims</em> its key with a future before calling upstream, so identical requests
 * arriving meanwhile wait for that one call instead of making their own (single flight); a failed or uncacheable
 * call completes the future empty and Caffeine forgets the key.
 */
public final class ResponseCache {
    private final CacheSpec spec;
    private final AsyncCache<String, CachedAnswer> cache;
    private final java.util.concurrent.atomic.LongAdder hits = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder misses = new java.util.concurrent.atomic.LongAdder();

    public ResponseCache(CacheSpec spec, Clock clock) {
        this.spec = spec;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(spec.maxBytes())
                .weigher((String k, CachedAnswer v) -> v.weight())
                // The time to live counts from when the answer was produced, so an answer read from the shared
                // level lives no longer here than there.
                .expireAfter(new com.github.benmanes.caffeine.cache.Expiry<String, CachedAnswer>() {
                    @Override
                    public long expireAfterCreate(String key, CachedAnswer a, long now) {
                        long left = a.createdAtMillis() + spec.ttl().toMillis() - clock.millis();
                        return TimeUnit.MILLISECONDS.toNanos(Math.max(0, left));
                    }

                    @Override
                    public long expireAfterUpdate(String key, CachedAnswer a, long now, long current) {
                        return expireAfterCreate(key, a, now);
                    }

                    @Override
                    public long expireAfterRead(String key, CachedAnswer a, long now, long current) {
                        return current;
                    }
                })
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .recordStats()
                // Bookkeeping when an answer completes runs on the completing thread, so an entry's write time is
                // the moment it completed, not whenever a pool gets to it.
                .executor(Runnable::run)
                .buildAsync();
    }

    /** Whether this request on this route may be cached: the route allows it, and it is deterministic if needed. */
    public boolean cacheable(CacheSpec.RouteCache route, RequestView request) {
        boolean enabled = route.enabled() != null ? route.enabled() : spec.enabled();
        boolean onlyDeterministic = route.onlyDeterministic() != null ? route.onlyDeterministic()
                : spec.onlyDeterministic();
        boolean deterministic = request.temperature().isPresent() && request.temperature().getAsDouble() == 0.0;
        return enabled && (deterministic || !onlyDeterministic);
    }

    /**
     * The key: an answer is shared across tenants only under {@code scope: shared} and only when the compliance
     * policy allows it ({@code CompliancePolicy.sharesAcrossTenants}: never for customer data).
     */
    public String key(String route, String tenant, boolean mayShare, RequestView request) {
        String scope = spec.scope() == CacheSpec.Scope.SHARED && mayShare ? "*shared*" : "t:" + tenant;
        return CacheKey.of(route, scope, request.tree());
    }

    /**
     * Claims a key for a call about to be made: returns the answer already there or being produced, or null when
     * {@code mine} was registered and the caller must produce it (and complete {@code mine}).
     */
    public CompletableFuture<CachedAnswer> claim(String key, CompletableFuture<CachedAnswer> mine) {
        CompletableFuture<CachedAnswer> existing = cache.asMap().putIfAbsent(key, mine);
        // The map view does not count hits and misses; the cache's own counters are kept here.
        (existing == null ? misses : hits).increment();
        return existing;
    }

    /** Whether an answer is small enough to keep ({@code max-entry-size}); a larger one is passed on, not kept. */
    public boolean keepable(CachedAnswer answer) {
        return answer != null && answer.completion().length <= spec.maxEntryBytes();
    }

    /** Stores an answer outright (a {@code refresh} request). */
    public void put(String key, CachedAnswer answer) {
        cache.put(key, CompletableFuture.completedFuture(answer));
    }

    public CacheStats stats() {
        com.github.benmanes.caffeine.cache.stats.CacheStats s = cache.synchronous().stats();
        long weight = cache.synchronous().policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
        return new CacheStats(hits.sum(), misses.sum(), s.evictionCount(), cache.synchronous().estimatedSize(), weight,
                spec.maxBytes());
    }

    /** For tests and the admin page: run pending maintenance (evictions) now. */
    public void cleanUp() {
        cache.synchronous().cleanUp();
    }

    /** Counters and size. */
}
