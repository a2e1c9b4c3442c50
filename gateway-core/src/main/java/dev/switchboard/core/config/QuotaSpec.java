package dev.switchboard.core.config;

import java.util.Objects;

/**
 * A token quota: tokens per minute and/or per day (UTC) for a tenant, or for a backend (the vendor's contracted
 * rate). A request reserves its estimated tokens — the prompt's, and {@code max_tokens} or the route's expected
 * output — before it is admitted, and settles to what the backend reported after.
 *
 * @param scope         whose tokens are counted
 * @param name          the tenant's, the backend's or the client key's name
 * @param perMinute     tokens per minute, or 0 for no such limit
 * @param perDay        tokens per (UTC) day, or 0 for no such limit
 */
public record QuotaSpec(Scope scope, String name, long perMinute, long perDay) {
    public QuotaSpec {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(name, "name");
    }

    /** Whose tokens a quota counts. */
    public enum Scope {
        /** A tenant's requests, whichever backend serves them: over it, 429. */
        TENANT,
        /** A backend's calls, from every tenant: over it, the backend is passed over for the next candidate. */
        BACKEND,
        /** One client key's requests (its {@code name}): over it, 429. */
        KEY
    }
}
