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
 * @param media         what a request carrying images, audio or files (whose content the detectors cannot read)
 *                      may do
 */
public record ComplianceSpec(Set<String> detectors, List<CustomPattern> patterns,
        List<KeywordList> keywords, Action action, boolean restoreMasked, boolean logPrompts, Media media) {
    public static final ComplianceSpec DEFAULTS = new ComplianceSpec(Detectors.BUILT_IN, List.of(),
            List.of(), Action.ROUTE_INTERNAL, true, false, Media.INTERNAL);

    public ComplianceSpec {
        detectors = Set.copyOf(detectors);
        patterns = List.copyOf(patterns);
        keywords = List.copyOf(keywords);
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(media, "media");
    }

    /**
     * Images, audio and files in a request (an {@code image_url}, {@code input_audio}, a {@code data:} URL): the
     * detectors read text, not pictures, so a scanned ID card or a photographed statement would pass unseen.
     */
    public enum Media {
        /** Such a request stays inside, like one holding customer data (not maskable: it cannot be read). */
        INTERNAL,
        /** Only the text around the media is judged; the media go wherever that text may go. */
        ALLOW
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
