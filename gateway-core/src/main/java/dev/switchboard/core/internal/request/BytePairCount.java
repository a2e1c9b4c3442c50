package dev.switchboard.core.internal.request;

/**
 * How many tokens byte-pair encoding makes of one piece of text, as tiktoken encodes it: a piece that is a token
 * whole is one; otherwise, starting from single bytes, the adjacent pair whose joined bytes have the lowest rank is
 * merged, the leftmost when two tie, until no joined pair is a token. Only the count is kept, never the tokens.
 *
 * <p>Short pieces (almost all of them) are merged in two small arrays, rescanned after each merge as tiktoken does;
 * a long piece (a run of letters or symbols with no space, possibly the whole body) keeps its pairs in a heap instead,
 * so that a megabyte of one letter costs n log n and not n²; both merge the same pairs in the same order.
 */
final class BytePairCount {
    /** Up to this many bytes a rescan of the pairs is cheaper than a heap. */
    private static final int SCAN_MAX = 64;

    private BytePairCount() {
    }

    /** The tokens of {@code piece[0, length)}, which is not empty. */
    static int count(O200kRanks ranks, byte[] piece, int length) {
        if (length == 1 || ranks.rank(piece, 0, length) != O200kRanks.NONE) {
            return 1;
        }
        return length <= SCAN_MAX ? byScan(ranks, piece, length) : byHeap(ranks, piece, length);
    }

    /**
     * tiktoken's own loop: part {@code i} starts at {@code start[i]} and {@code rank[i]} is the rank of it joined
     * with the part after it; the last two entries are the end markers.
     */
    static int byScan(O200kRanks ranks, byte[] piece, int length) {
        int[] start = new int[length + 1];
        int[] rank = new int[length + 1];
        for (int i = 0; i <= length; i++) {
            start[i] = i;
            rank[i] = i + 2 <= length ? ranks.rank(piece, i, i + 2) : O200kRanks.NONE;
        }
        int parts = length + 1;
        while (true) {
            int min = O200kRanks.NONE;
            int at = -1;
            for (int i = 0; i < parts - 1; i++) {
                if (rank[i] < min) {
                    min = rank[i];
                    at = i;
                }
            }
            if (at < 0) {
                return parts - 1;
            }
            // Join parts at and at + 1: the ranks of the new neighbour pairs reach one part further.
            if (at > 0) {
                rank[at - 1] = ranks.rank(piece, start[at - 1], start[at + 2]); // at + 2 < parts: at's pair was a token
            }
            rank[at] = at + 3 < parts ? ranks.rank(piece, start[at], start[at + 3]) : O200kRanks.NONE;
            System.arraycopy(start, at + 2, start, at + 1, parts - at - 2);
            System.arraycopy(rank, at + 2, rank, at + 1, parts - at - 2);
            parts--;
        }
    }

    /**
     * The same merges over a linked list of parts, the candidate pairs in a binary heap ordered by rank and then by
     * position (the leftmost of equal ranks first, as the scan finds it). A pair whose rank changed after it was
     * queued is recognised when it comes out and skipped: a part's pair never gets its old rank back, because a
     * longer byte string from the same start is a different token.
     */
    static int byHeap(O200kRanks ranks, byte[] piece, int length) {
        // Part i starts at byte i; next[i] is the part after it (length for the end).
        int[] next = new int[length + 1];
        int[] prev = new int[length + 1];
        int[] rank = new int[length];
        long[] heap = new long[2 * length];
        int queued = 0;
        for (int i = 0; i < length; i++) {
            next[i] = i + 1;
            prev[i] = i - 1;
            rank[i] = i + 2 <= length ? ranks.rank(piece, i, i + 2) : O200kRanks.NONE;
            if (rank[i] != O200kRanks.NONE) {
                queued = push(heap, queued, rank[i], i);
            }
        }
        int parts = length;
        while (queued > 0) {
            long top = heap[0];
            queued = pop(heap, queued);
            int at = (int) top;
            if (rank[at] != (int) (top >>> 32)) {
                continue; // merged away (NONE) or re-ranked since it was queued
            }
            int gone = next[at];
            int after = next[gone];
            next[at] = after;
            if (after < length) {
                prev[after] = at;
            }
            rank[gone] = O200kRanks.NONE;
            parts--;
            rank[at] = after < length ? ranks.rank(piece, at, next[after]) : O200kRanks.NONE;
            if (rank[at] != O200kRanks.NONE) {
                queued = push(heap, queued, rank[at], at);
            }
            int before = prev[at];
            if (before >= 0) {
                rank[before] = ranks.rank(piece, before, after);
                if (rank[before] != O200kRanks.NONE) {
                    queued = push(heap, queued, rank[before], before);
                }
            }
            if (queued > heap.length - 2) {
                heap = java.util.Arrays.copyOf(heap, heap.length * 2);
            }
        }
        return parts;
    }

    private static int push(long[] heap, int size, int rank, int part) {
        long entry = ((long) rank << 32) | part;
        int i = size;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= entry) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = entry;
        return size + 1;
    }

    /** Removes the smallest entry, {@code heap[0]}; answers the new size. */
    private static int pop(long[] heap, int size) {
        long last = heap[--size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (heap[child] >= last) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = last;
        return size;
    }
}
