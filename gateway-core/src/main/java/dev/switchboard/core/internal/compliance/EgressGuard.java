package dev.switchboard.core.internal.compliance;

import dev.switchboard.core.compliance.Assessment;

/**
 * The last check before a request's bytes leave for a backend outside the bank: the exact outgoing body is read
 * whole — every string, key and long number at any depth, in the order a model reads them — with the same detectors
 * as the early scan. Anything found stops the call. It is deliberately redundant with the early scan that routed
 * the request: whatever path led here (first try, retry, fallback, stream, cache fill, after a reload, a future
 * protocol adapter), nothing passes that the detectors can see. Bytes that are not JSON are read as text.
 * Immutable and thread-safe.
 */
public final class EgressGuard {
    private final RequestScanner scanner;

    public EgressGuard(SensitiveDataScanner detectors, dev.switchboard.core.config.ComplianceSpec.Media media) {
        this.scanner = new RequestScanner(detectors, media);
    }

    /** What the outgoing bytes hold: {@link Assessment#CLEAN} lets them go; anything else refuses them. */
    public Assessment check(byte[] outgoing) {
        return scanner.assess(outgoing);
    }
}
