package dev.switchboard.core.internal.request;

import java.nio.charset.StandardCharsets;

/**
 * Counts prompt tokens before a call with the {@code o200k_base} BPE. Non-OpenAI tokenizers differ by a roughly
 * constant factor, applied per backend where it matters.
 *
 * <p>The count is exact (the tests hold it to jtokkit's own on every text they try) but cheaper to start and to run
 * than jtokkit: the text is split into o200k's pieces by {@link O200kPieces} instead of its regular expression; the
 * count of each short piece — a word with its leading space, a number group, a run of punctuation — is remembered
 * in a small table, so most pieces of most prompts (words repeat) cost a lookup; and a piece not seen lately is
 * merged by {@link BytePairCount} over {@link O200kRanks}, flat arrays read in about a fifth of the time and a
 * tenth of the memory of jtokkit's maps. jtokkit stays a dependency for its vocabulary file, and as the tests'
 * reference.
 */
public final class TokenEstimator {
    /** Chat formatting adds a few tokens per message; a flat allowance keeps the estimate on the safe side. */
    private static final int PER_REQUEST_OVERHEAD = 3;

    private static final class Holder {
        static final TokenEstimator SHARED = new TokenEstimator(O200kRanks.load());
    }

    /** Every this many pieces of a text: if most of them were unknown, the next ones are not written to the table. */
    private static final int PIECES_PER_CHECK = 64;
    /** A piece's UTF-8 bytes, per thread; a longer piece gets an array of its own for the length of its count. */
    private static final int PIECE_BUFFER = 256;
    /**
     * A piece longer than this (a megabyte with no space or punctuation: a run of letters, an encoded blob) counts as
     * its UTF-8 length, the most it can be, rather than merged: the merge keeps about 30 bytes per byte of the piece
     * at once, and the 8 MiB a body may hold would need a quarter of a gigabyte of heap. A safe bound errs where a
     * budget wants it, towards more.
     */
    static final int MAX_MERGED_BYTES = 1 << 20;
    private static final ThreadLocal<byte[]> PIECE_BYTES = ThreadLocal.withInitial(() -> new byte[PIECE_BUFFER]);

    private final O200kRanks ranks;
    private final PieceCounts remembered = new PieceCounts();

    /** The shared one is {@link #shared()}; a test may make its own, with a table of its own. */
    TokenEstimator(O200kRanks ranks) {
        this.ranks = ranks;
    }

    /** Whether the count of {@code piece} (one o200k piece) is in the table. */
    boolean remembers(String piece) {
        return remembered.get(PieceCounts.hash(piece, 0, piece.length()), piece, 0, piece.length()) >= 0;
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
        boolean remembering = true;
        for (int start = 0, end; start < n; start = end) {
            if (pieces == PIECES_PER_CHECK) {
                // Mostly pieces not seen lately (identifiers, encoded data, another language): they would only push
                // the recurring ones out of the table, so the next stretch is looked up but not remembered. Judged
                // over each stretch: a familiar start may be followed by a dump, and a dump by prose again.
                remembering = misses * 2 <= pieces;
                pieces = 0;
                misses = 0;
            }
            end = O200kPieces.end(text, start);
            pieces++;
            if (end - start > PieceCounts.MAX_PIECE_CHARS) {
                misses++;
                tokens += countPiece(text, start, end);
                continue;
            }
            int hash = PieceCounts.hash(text, start, end);
            int known = remembered.get(hash, text, start, end);
            if (known < 0) {
                misses++;
                known = countPiece(text, start, end);
                if (remembering) {
                    remembered.put(hash, text.substring(start, end), known);
                }
            }
            tokens += known;
        }
        return tokens;
    }

    /**
     * Byte-pair encodes {@code text[start, end)} as its UTF-8 bytes, a lone surrogate as {@code '?'}, as Java writes
     * it. A short piece (almost all) is written into the thread's buffer by hand, allocating nothing; a long one is
     * the JDK's own {@link String#getBytes} of it, which also gives the length a piece over the bound counts as.
     */
    private int countPiece(String text, int start, int end) {
        byte[] buffer = PIECE_BYTES.get();
        if (3 * (end - start) > buffer.length) {
            byte[] bytes = text.substring(start, end).getBytes(StandardCharsets.UTF_8);
            return bytes.length > MAX_MERGED_BYTES ? bytes.length : BytePairCount.count(ranks, bytes, bytes.length);
        }
        int length = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                buffer[length++] = (byte) c;
            } else if (c < 0x800) {
                buffer[length++] = (byte) (0xC0 | (c >> 6));
                buffer[length++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, text.charAt(++i));
                buffer[length++] = (byte) (0xF0 | (cp >> 18));
                buffer[length++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                buffer[length++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                buffer[length++] = (byte) (0x80 | (cp & 0x3F));
            } else if (Character.isSurrogate(c)) {
                buffer[length++] = '?';
            } else {
                buffer[length++] = (byte) (0xE0 | (c >> 12));
                buffer[length++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                buffer[length++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return BytePairCount.count(ranks, buffer, length);
    }
}
