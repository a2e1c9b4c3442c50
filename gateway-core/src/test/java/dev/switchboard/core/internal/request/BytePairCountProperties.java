package dev.switchboard.core.internal.request;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The two merges in {@link BytePairCount} — the rescan for short pieces, the heap for long ones — count every byte
 * string alike, and like tiktoken's merge loop written out plainly below, including byte strings that are no valid
 * UTF-8 and pieces where equal pairs compete (the leftmost merges first).
 */
class BytePairCountProperties {
    private static final O200kRanks RANKS = O200kRanks.load();

    @Provide
    Arbitrary<byte[]> pieces() {
        // Bytes drawn from small alphabets, so that the pairs are tokens and merges happen, and from all 256 values.
        Arbitrary<Byte> letters = Arbitraries.of((byte) 'a', (byte) 'b', (byte) 'e', (byte) 'n', (byte) 't', (byte) ' ');
        Arbitrary<Byte> utf8 = Arbitraries.of((byte) 0xE4, (byte) 0xB8, (byte) 0xAD, (byte) 0xC3, (byte) 0xA9,
                (byte) 'r', (byte) 's');
        Arbitrary<Byte> any = Arbitraries.bytes();
        return Arbitraries.oneOf(letters, utf8, any).list().ofMinSize(2).ofMaxSize(160).map(list -> {
            byte[] out = new byte[list.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = list.get(i);
            }
            return out;
        });
    }

    @Property(tries = 3000)
    void scanAndHeapMergeEveryPieceAlikeAndLikeTiktoken(@ForAll("pieces") byte[] piece) {
        int expected = tiktoken(piece);
        assertThat(BytePairCount.byScan(RANKS, piece, piece.length)).isEqualTo(expected);
        assertThat(BytePairCount.byHeap(RANKS, piece, piece.length)).isEqualTo(expected);
    }

    /** tiktoken's {@code _byte_pair_merge}, as plainly as it is written there: a list of parts, rescanned. */
    private static int tiktoken(byte[] piece) {
        List<int[]> parts = new ArrayList<>(); // {start, rank of this part joined with the next}
        for (int i = 0; i < piece.length - 1; i++) {
            parts.add(new int[] {i, RANKS.rank(piece, i, i + 2)});
        }
        parts.add(new int[] {piece.length - 1, O200kRanks.NONE});
        parts.add(new int[] {piece.length, O200kRanks.NONE});
        while (true) {
            int min = O200kRanks.NONE;
            int at = -1;
            for (int i = 0; i < parts.size() - 1; i++) {
                if (parts.get(i)[1] < min) {
                    min = parts.get(i)[1];
                    at = i;
                }
            }
            if (at < 0) {
                return parts.size() - 1;
            }
            if (at > 0) {
                parts.get(at - 1)[1] = rankAcross(piece, parts, at - 1);
            }
            parts.get(at)[1] = rankAcross(piece, parts, at);
            parts.remove(at + 1);
        }
    }

    private static int rankAcross(byte[] piece, List<int[]> parts, int i) {
        return i + 3 < parts.size() ? RANKS.rank(piece, parts.get(i)[0], parts.get(i + 3)[0]) : O200kRanks.NONE;
    }
}
