package dev.switchboard.core.routing;

import dev.switchboard.core.RequestView;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What rule conditions may look at: the decoded request, its headers (names in lower case) and the tenant.
 */
public record RoutingInput(RequestView request, Map<String, String> headers, String tenant) {
    public RoutingInput {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(tenant, "tenant");
    }

    public String header(String lowerCaseName) {
        return headers.get(lowerCaseName.toLowerCase(Locale.ROOT));
    }
}
