package dev.switchboard.core.internal.request;

/**
 * The token counts of recently seen short pieces of text: a direct-mapped table (a new piece simply replaces the
 * one in its slot), shared by all threads without locks. An entry is immutable and its fields final, so a thread
 * that reads a slot another thread is writing sees either the old entry or the new one, each whole; a lost write
 * only means one more count later. The table holds at most {@value #SLOTS} pieces of at most
 * {@value #MAX_PIECE_CHARS} characters (about 2 MB), and no number longer than three digits: o200k splits digits
 * into groups of three, so an account or card number is never remembered whole. Words are (a name, a run of
 * Chinese characters up to 32): the table is in process memory only, shared by all tenants because a count
 * reveals nothing, and never written to a log, a cache or disk.
 */
final class PieceCounts {
    static final int MAX_PIECE_CHARS = 32;
    static final int SLOTS = 1 << 14;

    private record Entry(int hash, String piece, int tokens) {
    }

    private final Entry[] slots = new Entry[SLOTS];

    /** The count of {@code text[start, end)}, or -1 when it is not in the table. */
    int get(int hash, String text, int start, int end) {
        Entry e = slots[hash & (SLOTS - 1)];
        if (e == null || e.hash != hash || e.piece.length() != end - start
                || !e.piece.regionMatches(0, text, start, end - start)) {
            return -1;
        }
        return e.tokens;
    }

    void put(int hash, String piece, int tokens) {
        slots[hash & (SLOTS - 1)] = new Entry(hash, piece, tokens);
    }

    /** {@link String#hashCode()} of the range, spread so that similar words land in different slots. */
    static int hash(String text, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + text.charAt(i);
        }
        return h ^ (h >>> 16) ^ (h >>> 7);
    }
}
