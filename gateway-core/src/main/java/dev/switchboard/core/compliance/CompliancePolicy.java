package dev.switchboard.core.compliance;

import dev.switchboard.core.RequestView;
import dev.switchboard.core.config.ComplianceSpec;
import java.util.Objects;

/**
 * The one place that reads a request for customer data and says what may be done with it. A live call, the admin
 * port's and the command line's {@code explain}, and the simulator all ask this, so they cannot disagree; the egress
 * guard uses the same detectors on the bytes that leave. Immutable and thread-safe.
 */
public final class CompliancePolicy {
    /** What a request may do, by what it holds and the configured action. */
    public enum Outcome {
        /** Nothing found: any backend. */
        CLEAN,
        /** Customer data under {@code route-internal}: internal backends only. */
        INTERNAL_ONLY,
        /** Customer data under {@code mask}: internal backends as sent, external ones with placeholders. */
        MASK_EXTERNAL,
        /** Customer data under {@code block}: refused. */
        BLOCKED;

        /** Whether the request may be sent, as it is or masked, to an external backend. */
        public boolean allowsExternal() {
            return this == CLEAN || this == MASK_EXTERNAL;
        }
    }

    /** The kinds and counts found, and what that allows. */
    public record Verdict(Assessment found, Outcome outcome) {
        public Verdict {
            Objects.requireNonNull(found, "found");
            Objects.requireNonNull(outcome, "outcome");
        }

        public boolean sensitive() {
            return found.sensitive();
        }

        /** {@code none}, {@code route-internal}, {@code mask}, {@code blocked}: for explanations. */
        public String describe() {
            return switch (outcome) {
                case CLEAN -> "none";
                case INTERNAL_ONLY -> "route-internal";
                case MASK_EXTERNAL -> "mask";
                case BLOCKED -> "blocked";
            };
        }
    }

    private final ComplianceSpec spec;
    private final RequestScanner scanner;
    private final EgressGuard guard;

    public CompliancePolicy(ComplianceSpec spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
        SensitiveDataScanner detectors = spec.scanner();
        this.scanner = new RequestScanner(detectors);
        this.guard = new EgressGuard(detectors);
    }

    public ComplianceSpec spec() {
        return spec;
    }

    /**
     * The whole body exactly as the client sent it, read by the detectors: the same walk over the bytes that the
     * egress guard makes over the bytes that leave, so the two read the same texts (numbers as written included).
     */
    public Assessment assess(RequestView request) {
        return scanner.assess(request.parser(), request.size());
    }

    /** What a request may do. */
    public Verdict judge(RequestView request) {
        return judge(assess(request));
    }

    /**
     * Whether a request holding {@code found} must stay on internal backends under {@code action}: customer data
     * under anything but {@code mask}, and under {@code mask} too what could not be read (it cannot be masked).
     */
    public static boolean keepsInside(Assessment found, ComplianceSpec.Action action) {
        return found.sensitive() && (action != ComplianceSpec.Action.MASK
                || found.kinds().contains(Assessment.DETECTOR_ERROR) || found.kinds().contains(Assessment.UNREADABLE));
    }

    /** What a request holding {@code found} may do. */
    public Verdict judge(Assessment found) {
        if (!found.sensitive()) {
            return new Verdict(found, Outcome.CLEAN);
        }
        if (spec.action() != ComplianceSpec.Action.BLOCK && (found.kinds().contains(Assessment.DETECTOR_ERROR)
                || found.kinds().contains(Assessment.UNREADABLE))) {
            // What could not be read cannot be masked either: it stays inside.
            return new Verdict(found, Outcome.INTERNAL_ONLY);
        }
        return new Verdict(found, switch (spec.action()) {
            case ROUTE_INTERNAL -> Outcome.INTERNAL_ONLY;
            case MASK -> Outcome.MASK_EXTERNAL;
            case BLOCK -> Outcome.BLOCKED;
        });
    }

    /** The walk that masks a body for an external backend. */
    public RequestScanner scanner() {
        return scanner;
    }

    /** The check of the bytes that leave for an external backend. */
    public EgressGuard guard() {
        return guard;
    }
}
