package dev.switchboard.server.http;

import dev.switchboard.core.config.AuthSpec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Maps a client's API key to its tenant. Keys are kept only as SHA-256 hashes and compared in constant time,
 * every configured key each time, so neither the stored hashes nor the timing tell a caller anything.
 */
public final class ClientAuth {
    private final boolean open;
    private final List<byte[]> hashes;
    private final List<AuthSpec.ClientKey> keys;
    private final java.time.Clock clock;

    ClientAuth(AuthSpec spec) {
        this(spec, java.time.Clock.systemUTC());
    }

    ClientAuth(AuthSpec spec, java.time.Clock clock) {
        this.open = spec.open();
        this.hashes = spec.keys().stream().map(k -> HexFormat.of().parseHex(k.sha256())).toList();
        this.keys = spec.keys();
        this.clock = clock;
    }

    /**
     * Who is calling: refused (with why, in words a client may read), or admitted with a tenant (null for an
     * anonymous caller in open mode) and the key's limits (null in open mode).
     */
    record Caller(boolean admitted, String tenant, AuthSpec.ClientKey key, String refusal) {
        static final Caller REFUSED = new Caller(false, null, null, "Incorrect or missing API key: send it as "
                + "'Authorization: Bearer <key>' or 'x-api-key'");

        /** Whether this caller may use {@code route}. */
        boolean allows(String route) {
            return key == null || key.allows(route);
        }
    }

    /**
     * The caller. In open mode the {@code x-switchboard-tenant} header is taken at its word (absent: anonymous);
     * with keys, the key names the tenant and a missing or unknown key is refused.
     */
    Caller caller(HttpHeaders headers) {
        if (open) {
            return new Caller(true, headers.get(ApiHandler.TENANT_HEADER), null, null);
        }
        Optional<AuthSpec.ClientKey> key = keyOf(headers);
        if (key.isEmpty()) {
            return Caller.REFUSED;
        }
        AuthSpec.ClientKey k = key.get();
        if (k.expiresAt() != null && !clock.instant().isBefore(k.expiresAt())) {
            return new Caller(false, null, k, "This API key expired at " + k.expiresAt() + "; ask for a new one");
        }
        return new Caller(true, k.tenant(), k, null);
    }

    private Optional<AuthSpec.ClientKey> keyOf(HttpHeaders headers) {
        String key = presentedKey(headers);
        if (key == null || key.isEmpty()) {
            return Optional.empty();
        }
        byte[] hash = sha256(key);
        AuthSpec.ClientKey found = null;
        for (int i = 0; i < hashes.size(); i++) {
            if (MessageDigest.isEqual(hash, hashes.get(i)) && found == null) {
                found = keys.get(i);
            }
        }
        return Optional.ofNullable(found);
    }

    private static String presentedKey(HttpHeaders headers) {
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        String apiKey = headers.get("x-api-key");
        return apiKey == null ? null : apiKey.trim();
    }

    /** The hex SHA-256 of a key, as the config stores it. */
    public static String hash(String key) {
        return HexFormat.of().formatHex(sha256(key));
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
