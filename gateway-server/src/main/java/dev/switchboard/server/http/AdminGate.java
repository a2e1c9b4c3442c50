package dev.switchboard.server.http;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Who may use the admin port, and from where. With {@code server.admin-auth} set (required when the port listens
 * beyond loopback) every request needs the admin key — as {@code Authorization: Bearer KEY}, or as the password of
 * HTTP Basic (what a browser asks for) — compared by its SHA-256 in constant time. A request that changes something
 * or runs work ({@code POST}) and comes from a browser (it carries {@code Origin} or {@code Sec-Fetch-Site}) must come
 * from the console's own origin and carry the console's token ({@code x-switchboard-console}, read from
 * {@code GET /admin/console-token}, which another site's page cannot read): a page elsewhere cannot make the
 * operator's browser reload the config or run a what-if. Clients that are not browsers (curl, scripts) send neither
 * header and are not subject to cross-site requests.
 */
final class AdminGate {
    static final String TOKEN_HEADER = "x-switchboard-console";
    /** The console's policy: its own scripts and styles only, no inline code, no framing, no third party. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final byte[] keyHash;
    private final String token;

    /** @param keySha256 the admin key's SHA-256 in hex, or null for a loopback port that needs none */
    AdminGate(String keySha256) {
        this.keyHash = keySha256 == null ? null : HexFormat.of().parseHex(keySha256);
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        this.token = HexFormat.of().formatHex(random);
    }

    /** The console's anti-forgery token, for this process's life. */
    String token() {
        return token;
    }

    boolean needsKey() {
        return keyHash != null;
    }

    /**
     * Whether the request is addressed to this machine by name ({@code Host}: localhost or a loopback address). Without
     * an admin key this is what keeps a page on another site out: DNS rebinding can point that site's name at
     * 127.0.0.1, but its requests still carry its own name as {@code Host}. With a key, any host may ask.
     */
    boolean addressedHere(HttpHeaders headers) {
        if (keyHash != null) {
            return true;
        }
        String host = headers.get(HttpHeaderNames.HOST);
        if (host == null) {
            return false;
        }
        String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
                : host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host;
        return dev.switchboard.core.config.ServerSpec.loopback(name);
    }

    /** Whether the request carries the admin key (always, when none is configured). */
    boolean admitted(HttpHeaders headers) {
        if (keyHash == null) {
            return true;
        }
        String auth = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (auth == null) {
            return false;
        }
        String key = null;
        if (auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            key = auth.substring(7).trim();
        } else if (auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String pair = new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = pair.indexOf(':');
                key = colon < 0 ? null : pair.substring(colon + 1);
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return key != null && MessageDigest.isEqual(sha256(key), keyHash);
    }

    /** Why a {@code POST} is refused as a possible cross-site request, or null when it may go on. */
    String crossSite(FullHttpRequest request) {
        if (!HttpMethod.POST.equals(request.method())) {
            return null;
        }
        HttpHeaders h = request.headers();
        String origin = h.get(HttpHeaderNames.ORIGIN);
        String site = h.get("sec-fetch-site");
        if (origin == null && site == null) {
            return null; // not a browser
        }
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return "a request from another site (" + site + ")";
        }
        String host = h.get(HttpHeaderNames.HOST);
        if (origin != null && (host == null || !(origin.equals("http://" + host) || origin.equals("https://" + host)))) {
            return "a request from another origin";
        }
        String given = h.get(TOKEN_HEADER);
        if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8))) {
            return "a browser request without the console's token";
        }
        return null;
    }

    /** The headers every admin answer carries: no sniffing, no framing, no caching, no referrer; the CSP. */
    static void harden(HttpResponse response) {
        response.headers().set("content-security-policy", CSP).set("x-content-type-options", "nosniff")
                .set("x-frame-options", "DENY").set("referrer-policy", "no-referrer")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
