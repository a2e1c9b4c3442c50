package dev.switchboard.core;

import dev.switchboard.core.internal.RandomIds;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One call into the gateway: the decoded body, the caller's headers (names in lower case), its tenant, the
 * request id that ties logs, headers and errors together, and the client key it came with.
 *
 * @param key the name of the client key the caller presented (its own token quota applies), or null
 */
public record GatewayRequest(RequestView body, Map<String, String> headers, String tenant, String requestId,
        String key) {
    /** A request without a client key. */
    public GatewayRequest(RequestView body, Map<String, String> headers, String tenant, String requestId) {
        this(body, headers, tenant, requestId, null);
    }

    /** Tenant of callers that did not identify themselves. */
    public static final String ANONYMOUS = "anonymous";

    public GatewayRequest {
        Objects.requireNonNull(body, "body");
        headers = lowerCased(Objects.requireNonNull(headers, "headers"));
        tenant = tenant == null || tenant.isBlank() ? ANONYMOUS : tenant;
        requestId = requestId == null || requestId.isBlank() ? newRequestId() : requestId;
    }

    /** A chat request from a JSON body, with no headers, the anonymous tenant and a new id. */
    public static GatewayRequest chat(String json) {
        return new GatewayRequest(RequestView.chat(json), Map.of(), null, null);
    }

    public static GatewayRequest of(RequestView body, Map<String, String> headers, String tenant) {
        return new GatewayRequest(body, headers, tenant, null);
    }

    public GatewayRequest withTenant(String newTenant) {
        return new GatewayRequest(body, headers, newTenant, requestId, key);
    }

    /** The same request, made with the named client key. */
    public GatewayRequest withKey(String newKey) {
        return new GatewayRequest(body, headers, tenant, requestId, newKey);
    }

    /** The headers, immutable, names in lower case: an immutable map already so (the sidecar's) is kept as it is. */
    private static Map<String, String> lowerCased(Map<String, String> headers) {
        for (String name : headers.keySet()) {
            if (!name.equals(name.toLowerCase(Locale.ROOT))) {
                Map<String, String> lower = new HashMap<>();
                headers.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
                return Map.copyOf(lower);
            }
        }
        return Map.copyOf(headers); // the same map when it is immutable already
    }

    public static String newRequestId() {
        return RandomIds.next("req_");
    }
}
