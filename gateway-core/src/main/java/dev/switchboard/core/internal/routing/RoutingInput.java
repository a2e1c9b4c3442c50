package dev.switchboard.core.internal.routing;

import dev.switchboard.core.RequestView;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.compliance.Verdict;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What rule conditions may look at: the decoded request, its headers (names in lower case), the tenant, the time,
 * and the compliance verdict the compliance step reached (conditions read what it found; candidates are admitted by
 * what it allows).
 */
public record RoutingInput(RequestView request, Map<String, String> headers, String tenant, Instant now,
        Verdict verdict) {
    public RoutingInput {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(verdict, "verdict");
    }

    /** An input holding no customer data. */
    public RoutingInput(RequestView request, Map<String, String> headers, String tenant, Instant now) {
        this(request, headers, tenant, now, Verdict.CLEAN);
    }

    /** The kinds and counts of customer data found, for conditions on them. */
    public Assessment sensitive() {
        return verdict.found();
    }

    public String header(String lowerCaseName) {
        return headers.get(lowerCaseName.toLowerCase(Locale.ROOT));
    }
}
