package dev.switchboard.core.routing;

import dev.switchboard.core.RequestView;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What rule conditions may look at: the decoded request, its headers (names in lower case) and the tenant.
 */
public record RoutingInput(RequestView request, Map<String, String> headers, String tenant, Instant now) {
    public RoutingInput {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(now, "now");
    }

    /** An input decided at the current instant. */
    public RoutingInput(RequestView request, Map<String, String> headers, String tenant) {
        this(request, headers, tenant, Instant.now());
    }

    public String header(String lowerCaseName) {
        return headers.get(lowerCaseName.toLowerCase(Locale.ROOT));
    }
}
