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

    /** One accepted key: its SHA-256 (hex) and the tenant it stands for. */
    public record ClientKey(String tenant, String sha256) {
        public ClientKey {
            Objects.requireNonNull(tenant, "tenant");
            Objects.requireNonNull(sha256, "sha256");
        }
    }
}
