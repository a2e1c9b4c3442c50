package dev.switchboard.core.internal.compliance;

import dev.switchboard.core.RequestView;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.compliance.ComplianceAction;
import dev.switchboard.core.compliance.Verdict.Outcome;
import dev.switchboard.core.compliance.Verdict;
import dev.switchboard.core.config.ComplianceSpec;
import dev.switchboard.core.config.Residency;
import java.util.Objects;

/**
 * The one place that reads a request for customer data and says what may be done with it. A live call, the admin
 * port's and the command line's {@code explain}, and the simulator all ask this, so they cannot disagree; the egress
 * guard uses the same detectors on the bytes that leave. Immutable and thread-safe.
 */
public final class CompliancePolicy {
    private final ComplianceSpec spec;
    private final RequestScanner scanner;
    private final EgressGuard guard;
    private final SensitiveDataScanner detectors;

    public CompliancePolicy(ComplianceSpec spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.detectors = SensitiveDataScanner.of(spec);
        this.scanner = new RequestScanner(detectors, spec.media());
        this.guard = new EgressGuard(detectors, spec.media());
    }

    /**
     * A string the client chose — its model name, request id, tenant header — as it may be written to a record, a
     * log, a trace or an error message: unchanged, unless the detectors find customer data in it, which is then
     * replaced by its kind ({@code "[bank-card]"}). Values are never written, wherever a client puts them.
     */
    public String recordable(String clientText) {
        if (clientText == null || clientText.isEmpty() || !detectors.mayFind(clientText)) {
            return clientText;
        }
        java.util.List<dev.switchboard.core.compliance.Finding> found = detectors.scanAll(clientText);
        if (found.isEmpty()) {
            return clientText;
        }
        // Every span of every finding, in order (a value in two parts has a span in each), each written as its kind.
        java.util.List<Redacted> cuts = new java.util.ArrayList<>();
        for (dev.switchboard.core.compliance.Finding f : found) {
            f.spans().forEach(span -> cuts.add(new Redacted(span.start(), span.end(), f.kind())));
        }
        cuts.sort(java.util.Comparator.comparingInt(Redacted::start));
        StringBuilder out = new StringBuilder(clientText.length());
        int at = 0;
        for (Redacted cut : cuts) {
            if (cut.end() <= at) {
                continue;
            }
            out.append(clientText, at, Math.max(at, cut.start())).append('[').append(cut.kind()).append(']');
            at = cut.end();
        }
        return out.append(clientText, at, clientText.length()).toString();
    }

    public ComplianceSpec spec() {
        return spec;
    }

    /**
     * The whole body as the client sent it, read by the detectors from the request's tree (the body is parsed once):
     * the same texts in the same order as the egress guard's walk over the bytes that leave, numbers as written
     * included ({@code BodyReadingProperties} holds the two readings equal).
     */
    public Assessment assess(RequestView request) {
        return scanner.assess(request.tree());
    }

    /** What a request may do. */
    public Verdict judge(RequestView request) {
        return judge(assess(request));
    }

    /** What a request holding {@code found} may do. */
    public Verdict judge(Assessment found) {
        return judge(found, spec.action());
    }

    /**
     * What a request holding {@code found} may do under {@code action}: customer data under anything but
     * {@code mask} stays inside, and under {@code mask} too what could not be read (it cannot be masked).
     */
    public static Verdict judge(Assessment found, ComplianceSpec.Action action) {
        if (!found.sensitive()) {
            return new Verdict(found, Outcome.CLEAN);
        }
        if (action != ComplianceSpec.Action.BLOCK && (found.kinds().contains(Assessment.DETECTOR_ERROR)
                || found.kinds().contains(Assessment.UNREADABLE) || found.kinds().contains(Assessment.MEDIA))) {
            // What could not be read cannot be masked either: it stays inside.
            return new Verdict(found, Outcome.INTERNAL_ONLY);
        }
        return new Verdict(found, switch (action) {
            case ROUTE_INTERNAL -> Outcome.INTERNAL_ONLY;
            case MASK -> Outcome.MASK_EXTERNAL;
            case BLOCK -> Outcome.BLOCKED;
        });
    }

    /**
     * Whether a request under {@code verdict} may go to a backend of {@code residency} at all: admission asks this
     * of every candidate, whatever routing decided (fail closed).
     */
    public boolean admits(Verdict verdict, Residency residency) {
        return residency != Residency.EXTERNAL || verdict.outcome().allowsExternal();
    }

    /**
     * Whether a request under {@code verdict} may be raced (hedged) to a backend of {@code residency}: customer data
     * never is to an external one — not even masked, as {@link #admits} would allow: a hedge is not a reason to
     * send it out.
     */
    public boolean mayHedgeTo(Verdict verdict, Residency residency) {
        return !verdict.sensitive() || residency == Residency.INTERNAL;
    }

    /**
     * Whether bytes bound for a backend of {@code residency} pass the egress guard first: every backend outside the
     * bank, whatever transport calls it.
     */
    public boolean guardsEgressTo(Residency residency) {
        return residency == Residency.EXTERNAL;
    }

    /** Whether the body for a backend of {@code residency} is the masked copy rather than the client's. */
    public boolean masksFor(Verdict verdict, Residency residency) {
        return verdict.outcome() == Outcome.MASK_EXTERNAL && residency == Residency.EXTERNAL;
    }

    /** Whether an answer from a backend of {@code residency}, sent a body masked as {@code masking}, gets its values back. */
    public boolean restoresFrom(Masking masking, Residency residency) {
        return masking != null && !masking.isEmpty() && spec.restoreMasked() && residency == Residency.EXTERNAL;
    }

    /**
     * What the policy did, for the audit record.
     *
     * @param cacheHit   whether the answer came from the cache (whose entries are scoped per tenant)
     * @param sentMasked whether the backend whose answer the client got was sent the masked body
     * @param tried      whether any backend was tried (or passed over); false for a request refused before that
     */
    public ComplianceAction recorded(Verdict verdict, boolean cacheHit, boolean sentMasked, boolean tried) {
        if (!verdict.sensitive()) {
            return ComplianceAction.NONE;
        }
        if (cacheHit) {
            return ComplianceAction.CACHED_PER_TENANT;
        }
        if (verdict.outcome() == Outcome.BLOCKED) {
            return ComplianceAction.BLOCKED;
        }
        if (sentMasked) {
            return ComplianceAction.MASKED;
        }
        return switch (spec.action()) {
            case ROUTE_INTERNAL -> ComplianceAction.ROUTE_INTERNAL;
            case MASK -> tried ? ComplianceAction.INTERNAL_UNMASKED : ComplianceAction.MASK;
            case BLOCK -> ComplianceAction.BLOCKED;
        };
    }

    /**
     * Whether a backend may receive the client's {@code tracestate} and baggage along with the trace: only an
     * internal one. They are free text the client chose, which no detector reads; an external backend gets the
     * trace's ids ({@code traceparent}) alone.
     */
    public boolean sharesTraceStateWith(Residency residency) {
        return residency == Residency.INTERNAL;
    }

    /**
     * Whether an answer to a request under {@code verdict} may be shared across tenants (a cache with
     * {@code scope: shared}): never when it holds customer data — then it stays in the tenant's own entries.
     */
    public boolean sharesAcrossTenants(Verdict verdict) {
        return !verdict.sensitive();
    }

    /** Whether the prompt text goes into the audit record ({@code compliance.log-prompts}). */
    public boolean logsPrompts() {
        return spec.logPrompts();
    }

    /** The error a blocked request gets. */
    public static dev.switchboard.core.GatewayException blockedError(Assessment found) {
        return new dev.switchboard.core.GatewayException(dev.switchboard.core.ErrorKind.SENSITIVE_DATA_BLOCKED,
                "request blocked: it contains customer data (" + found.describe()
                + "); remove it or ask for an exception");
    }

    /**
     * A copy of the request's body with every value found replaced by its placeholder (kept in {@code masking}, so
     * the answer can have them put back).
     *
     * @throws IllegalStateException when a custom pattern is too deep for this text: nothing may be sent then
     */
    public MaskedBody mask(RequestView request) {
        Masking masking = new Masking();
        try {
            return new MaskedBody(scanner.mask((com.fasterxml.jackson.databind.node.ObjectNode) request.tree(),
                    masking), masking);
        } catch (StackOverflowError e) {
            throw new IllegalStateException("masking failed: " + e, e);
        }
    }

    /** The walk that masks a body for an external backend. */
    public RequestScanner scanner() {
        return scanner;
    }

    /** Chars {@code [start, end)} of a client's string written as {@code [kind]}. */
    private record Redacted(int start, int end, String kind) {
    }

    /** The check of the bytes that leave for an external backend. */
    public EgressGuard guard() {
        return guard;
    }
}
