package dev.switchboard.core.internal.request;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Counts prompt tokens before a call with the {@code o200k_base} BPE. Non-OpenAI tokenizers differ by a roughly
 * constant factor, applied per backend where it matters.
 *
 * <p>The count is exact (the test holds it to jtokkit's own on every text it tries) but cheaper than jtokkit's:
 * the text is split into o200k's pieces by {@link O200kPieces} instead of its regular expression, and the count of
 * each short piece — a word with its leading space, a number group, a run of punctuation — is remembered in a
 * small table, so that only pieces not seen lately go through jtokkit's byte-pair encoder. Words repeat (Zipf), so
 * most pieces of most prompts are found in the table. Both were half of the sidecar's processor time per request.
 */
public final class TokenEstimator {
    /** Chat formatting adds a few tokens per message; a flat allowance keeps the estimate on the safe side. */
    private static final int PER_REQUEST_OVERHEAD = 3;

    private static final class Holder {
        static final TokenEstimator SHARED = new TokenEstimator(
                Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE));
    }

    private final Encoding encoding;
    private final PieceCounts remembered = new PieceCounts();
    /** Every this many pieces of a text: if most of them were unknown, the rest goes to jtokkit whole. */
    private static final int PIECES_PER_CHECK = 64;

    private TokenEstimator(Encoding encoding) {
        this.encoding = encoding;
    }

    public static TokenEstimator shared() {
        return Holder.SHARED;
    }

    /** The tokens of a request whose prompt reads {@code promptText}, with the per-request overhead. */
    public int estimatePrompt(String promptText) {
        return count(promptText) + PER_REQUEST_OVERHEAD;
    }

    /**
     * The most {@link #estimatePrompt} can answer for {@code promptText}, without counting: every o200k token stands
     * for at least one byte of UTF-8, so the byte length bounds the count (an unpaired surrogate counted as three,
     * more than it can encode to).
     */
    public static int upperBound(String promptText) {
        long bytes = 0;
        for (int i = 0, n = promptText.length(); i < n; i++) {
            char c = promptText.charAt(i);
            bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3; // a surrogate pair: 3 + 3 for its 4 bytes
        }
        return (int) Math.min(Integer.MAX_VALUE - PER_REQUEST_OVERHEAD, bytes) + PER_REQUEST_OVERHEAD;
    }

    /** The least {@link #estimatePrompt} can answer for {@code promptText}, without counting. */
    public static int lowerBound(String promptText) {
        return PER_REQUEST_OVERHEAD + (promptText.isEmpty() ? 0 : 1);
    }

    public int count(String text) {
        int n = text.length();
        int tokens = 0;
        int pieces = 0;
        int misses = 0;
        for (int start = 0, end; start < n; start = end) {
            if (pieces == PIECES_PER_CHECK) {
                if (misses * 2 > pieces) {
                    // Mostly pieces not seen lately (identifiers, encoded data, another language): one call to
                    // jtokkit for the rest is cheaper than one per piece, and leaves the table to the pieces that
                    // recur. Exact: its split restarts at a piece boundary.
                    return tokens + encoding.countTokensOrdinary(text.substring(start));
                }
                pieces = 0; // judged again over the next stretch: a familiar start may be followed by a dump
                misses = 0;
            }
            end = O200kPieces.end(text, start);
            pieces++;
            if (end - start > PieceCounts.MAX_PIECE_CHARS) {
                misses++;
                tokens += encoding.countTokensOrdinary(text.substring(start, end));
                continue;
            }
            int hash = PieceCounts.hash(text, start, end);
            int known = remembered.get(hash, text, start, end);
            if (known < 0) {
                misses++;
                String piece = text.substring(start, end);
                known = encoding.countTokensOrdinary(piece);
                remembered.put(hash, piece, known);
            }
            tokens += known;
        }
        return tokens;
    }
}
