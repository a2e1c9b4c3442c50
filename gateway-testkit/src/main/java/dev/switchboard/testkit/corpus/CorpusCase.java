package dev.switchboard.testkit.corpus;

import java.util.List;

/**
 * One generated request body with customer data in it, and its clean twin.
 *
 * @param id          stable name, {@code seed-index}
 * @param op          chat completions or embeddings
 * @param stream      whether the body asks for a stream
 * @param plantedBody the JSON body with the values in it
 * @param cleanBody   the same body, same structure, each planted text replaced by a phrase without digits (and
 *                    a planted JSON number by {@code 0}): what a detector must let through
 * @param planted     the values, one entry per piece written (a split value has two entries)
 * @param position    the {@link Planted#path() paths} of the entries, joined by {@code " | "}
 */
public record CorpusCase(String id, Operation op, boolean stream, String plantedBody, String cleanBody,
        List<Planted> planted, String position) {

    public CorpusCase {
        planted = List.copyOf(planted);
    }

    /** Whether a value was cut in two across a boundary the model reads in order. */
    public boolean split() {
        return planted.stream().anyMatch(p -> Site.fromLabel(p.site()).split());
    }

    /** Whether the body carries images, audio or files: kept inside by default whatever else it holds. */
    public boolean carriesMedia() {
        return MediaParts.in(cleanBody);
    }

    /** The distinct kinds planted, in order. */
    public List<String> kinds() {
        return planted.stream().map(Planted::kind).distinct().toList();
    }
}
