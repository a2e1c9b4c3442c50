package dev.switchboard.core.internal.routing;

import dev.switchboard.core.RequestView;
import dev.switchboard.core.compliance.Assessment;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What rule conditions may look at: the decoded request, its headers (names in lower case) and the tenant.
 */
public record RoutingInput(RequestView request, Map<String, String> headers, String tenant, Instant now,
        Assessment sensitive) {
    public RoutingInput {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(sensitive, "sensitive");
    }

    /** An input holding no customer data. */
    public RoutingInput(RequestView request, Map<String, String> headers, String tenant, Instant now) {
        this(request, headers, tenant, now, Assessment.CLEAN);
    }

    public String header(String lowerCaseName) {
        return headers.get(lowerCaseName.toLowerCase(Locale.ROOT));
    }
}
