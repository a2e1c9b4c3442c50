package dev.switchboard.core.compliance;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a request holds: the kinds of sensitive data and how many of each — never the values. A detector that
 * failed counts as sensitive ({@code detector-error}): when in doubt, the data stays inside.
 *
 * @param counts kind → number of values found
 */
public record Assessment(Map<String, Integer> counts) {
    public static final String DETECTOR_ERROR = "detector-error";
    /**
     * Input the detectors cannot read as text: embeddings input given as token ids. It may encode anything, so it is
     * handled as sensitive and kept inside.
     */
    public static final String UNREADABLE = "token-ids";
    /**
     * Images, audio or files (an {@code image_url}, {@code input_audio}, a {@code data:} URL): the detectors cannot
     * read what they show, so they are handled as sensitive and kept inside unless {@code compliance.media: allow}.
     */
    public static final String MEDIA = "media";
    public static final Assessment CLEAN = new Assessment(Map.of());

    public Assessment {
        counts = java.util.Collections.unmodifiableMap(new TreeMap<>(counts));
    }

    /** One finding of {@code kind}. */
    public static Assessment of(String kind) {
        return new Assessment(Map.of(kind, 1));
    }

    public boolean sensitive() {
        return !counts.isEmpty();
    }

    public Set<String> kinds() {
        return counts.keySet();
    }

    /** {@code cn-resident-id (1), bank-card (2)}: for messages, logs and audit. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        counts.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(" (").append(v)
                .append(')'));
        return sb.toString();
    }
}
