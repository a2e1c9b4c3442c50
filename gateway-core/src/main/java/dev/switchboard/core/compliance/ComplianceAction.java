package dev.switchboard.core.compliance;

/** What the compliance policy did for one request, as the audit log records it. */
public enum ComplianceAction {
    /** Nothing found. */
    NONE("none"),
    /** Customer data, kept on internal backends. */
    ROUTE_INTERNAL("route-internal"),
    /** Customer data, sent to an external backend with placeholders in place of the values. */
    MASKED("masked"),
    /** Customer data under {@code mask}, refused before any backend was tried (no route, no rule, none available). */
    MASK("mask"),
    /** Customer data under {@code mask}, answered (or failed) without leaving: nothing needed masking. */
    INTERNAL_UNMASKED("internal-unmasked"),
    /** Customer data under {@code block}: refused. */
    BLOCKED("blocked"),
    /** Customer data, answered from this tenant's own cache entries. */
    CACHED_PER_TENANT("cached-per-tenant");

    private final String wire;

    ComplianceAction(String wire) {
        this.wire = wire;
    }

    /** As the audit log writes it. */
    public String wire() {
        return wire;
    }
}
