package dev.switchboard.core.config;

import java.util.List;
import java.util.Objects;

/**
 * Who may call the sidecar. With keys, each client presents an API key ({@code Authorization: Bearer} or
 * {@code x-api-key}) that names its tenant; keys are stored only as SHA-256 hashes. Open mode trusts the
 * {@code x-switchboard-tenant} header and is meant for local use only.
 *
 * @param open whether no key is needed
 * @param keys the accepted keys' hashes and their tenants
 */
public record AuthSpec(boolean open, List<ClientKey> keys) {
    public static final AuthSpec OPEN = new AuthSpec(true, List.of());

    public AuthSpec {
        keys = List.copyOf(keys);
    }

    /**
     * One accepted key: its SHA-256 (hex), the tenant it stands for, and its limits.
     *
     * @param expiresAt when it stops working (exclusive), or null for never
     * @param routes    the routes it may use (by route name; a route's aliases count as the route), empty for all
     * @param name      what logs, quotas and the console call it (never the key itself)
     * @param quota     its own token quota (scope {@code KEY}, under its name), or null
     */
    public record ClientKey(String tenant, String sha256, java.time.Instant expiresAt, List<String> routes,
            String name, QuotaSpec quota) {
        public ClientKey {
            Objects.requireNonNull(tenant, "tenant");
            Objects.requireNonNull(sha256, "sha256");
            routes = List.copyOf(routes);
            name = name == null ? tenant : name;
        }

        /** A key without limits. */
        public ClientKey(String tenant, String sha256) {
            this(tenant, sha256, null, List.of(), null, null);
        }

        /** Whether it may call {@code route}. */
        public boolean allows(String route) {
            return routes.isEmpty() || routes.contains(route);
        }
    }
}
