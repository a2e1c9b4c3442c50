package dev.switchboard.core.config;

import dev.switchboard.core.compliance.CustomPattern;
import dev.switchboard.core.compliance.Detectors;
import dev.switchboard.core.compliance.KeywordList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What counts as customer data and what happens to a request that holds some.
 *
 * @param detectors     built-in detectors turned on
 * @param patterns      custom regular expressions, each a kind of its own
 * @param keywords      custom word lists, each a kind of its own
 * @param action        what a sensitive request may do
 * @param restoreMasked with {@code mask}: put the original values back into the answer
 * @param logPrompts    write prompt text into the audit log (off: only kinds and counts are ever written)
 */
public record ComplianceSpec(Set<String> detectors, List<CustomPattern> patterns,
        List<KeywordList> keywords, Action action, boolean restoreMasked, boolean logPrompts) {
    public static final ComplianceSpec DEFAULTS = new ComplianceSpec(Detectors.BUILT_IN, List.of(),
            List.of(), Action.ROUTE_INTERNAL, true, false);

    public ComplianceSpec {
        detectors = Set.copyOf(detectors);
        patterns = List.copyOf(patterns);
        keywords = List.copyOf(keywords);
        Objects.requireNonNull(action, "action");
    }

    /** The policy for requests holding customer data. */
    public enum Action {
        /** Only internal backends are candidates; none available means 503, never an external call. */
        ROUTE_INTERNAL,
        /** External backends get typed placeholders instead of the values; internal ones the request as sent. */
        MASK,
        /** Refused with 400 naming the kinds found. */
        BLOCK
    }
}
