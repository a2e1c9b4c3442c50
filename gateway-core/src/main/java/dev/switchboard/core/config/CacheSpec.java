package dev.switchboard.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The response cache.
 *
 * @param enabled           whether routes cache by default
 * @param maxBytes          bound on the cached bodies' total size
 * @param ttl               how long an answer stays
 * @param onlyDeterministic cache only requests with {@code temperature: 0} (routes may opt out)
 * @param scope             whether tenants share answers
 * @param maxEntryBytes     a larger answer is not kept, in either level
 * @param shared            also keep answers in the state store (Redis), a second level every sidecar reads
 */
public record CacheSpec(boolean enabled, long maxBytes, Duration ttl, boolean onlyDeterministic, Scope scope,
        long maxEntryBytes, boolean shared) {
    public static final CacheSpec DISABLED = new CacheSpec(false, 256L << 20, Duration.ofMinutes(10), true,
            Scope.TENANT, 1L << 20, false);

    public CacheSpec {
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(scope, "scope");
    }

    /** Who may read an answer another caller's request produced. */
    public enum Scope {
        /** Only the same tenant. */
        TENANT,
        /** Every tenant, except for requests holding customer data, which stay per tenant. */
        SHARED
    }

    /**
     * A route's own settings; null fields inherit the cache's.
     *
     * @param enabled           cache this route
     * @param onlyDeterministic cache only deterministic requests on this route
     */
    public record RouteCache(Boolean enabled, Boolean onlyDeterministic) {
        public static final RouteCache INHERIT = new RouteCache(null, null);
    }
}
