package dev.switchboard.core.internal.request;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The flat vocabulary holds every o200k token at its rank, and the byte-pair count matches jtokkit's on pieces of
 * every length, both sides of the point where the merge moves from a rescan to a heap, and on pieces long enough
 * that a quadratic merge would never finish.
 */
class BytePairCountTest {
    private static final Encoding JTOKKIT = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    private static final O200kRanks RANKS = O200kRanks.load();

    @Test
    void everyTokenOfTheVocabularyIsFoundAtItsRankAndCountsAsOne() {
        assertThat(RANKS.size()).isEqualTo(199_998);
        for (int rank = 0; rank < RANKS.size(); rank++) {
            IntArrayList one = new IntArrayList(1);
            one.add(rank);
            byte[] token = JTOKKIT.decodeBytes(one);
            assertThat(RANKS.rank(token, 0, token.length)).as("rank of token %d", rank).isEqualTo(rank);
            assertThat(BytePairCount.count(RANKS, token, token.length)).isEqualTo(1);
        }
    }

    @Test
    void bytesThatAreNoTokenHaveNoRank() {
        byte[] none = "zqxjzqxjzqxj".getBytes(StandardCharsets.UTF_8);
        assertThat(RANKS.rank(none, 0, none.length)).isEqualTo(O200kRanks.NONE);
        byte[] padded = {'x', 'a', 'b', 'x'};
        assertThat(RANKS.rank(padded, 1, 3)).isEqualTo(RANKS.rank("ab".getBytes(StandardCharsets.UTF_8), 0, 2));
    }

    @Test
    void singlePiecesOfEveryLengthCountLikeJtokkit() {
        // A run of lowercase letters, or of symbols, is one o200k piece: lengths 2 to 400 cross from scan to heap.
        Random random = new Random(2026_12_02L);
        String[] alphabets = {"abcdefghijklmnopqrstuvwxyz", "etaoinshr", "ab", "a", "!@#$%^&*()-=+[]{};:<>?~",
                "éüßàçñøå", "абвгдежзик", "中文客户账户交易银行", "😀🙂🚀", "αβγδεζηθ"};
        for (int round = 0; round < 4_000; round++) {
            String alphabet = alphabets[round % alphabets.length];
            int length = 2 + random.nextInt(round < 3_000 ? 90 : 400);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < length; i++) {
                sb.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0,
                        random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
            }
            String text = sb.toString();
            assertThat(TokenEstimator.shared().count(text)).as("count of %s", text)
                    .isEqualTo(JTOKKIT.countTokensOrdinary(text));
        }
    }

    @Test
    void aStretchOfMostlyUnseenPiecesIsCountedButNotRemembered() {
        TokenEstimator estimator = new TokenEstimator(RANKS);
        StringBuilder unseen = new StringBuilder();
        Random random = new Random(5);
        for (int i = 0; i < 64; i++) { // 64 pieces never seen: the next stretch is not written to the table
            unseen.append(' ').append((char) ('a' + random.nextInt(26))).append((char) ('a' + random.nextInt(26)))
                    .append((char) ('a' + random.nextInt(26))).append(i);
        }
        String dump = unseen + " zebrafish";
        assertThat(estimator.count(dump)).isEqualTo(JTOKKIT.countTokensOrdinary(dump));
        assertThat(estimator.remembers(" zebrafish")).isFalse();
        // The same word after familiar text is remembered.
        String familiar = " the account".repeat(40);
        estimator.count(familiar);
        String prose = familiar + " zebrafish";
        assertThat(estimator.count(prose)).isEqualTo(JTOKKIT.countTokensOrdinary(prose));
        assertThat(estimator.remembers(" zebrafish")).isTrue();
    }

    @Test
    void aLoneSurrogateIsCountedAsJavaWritesIt() {
        for (String text : new String[] {"\uD800", "a\uDC00b", "x\uD83D", "\uDE00\uD83D\uDE00", "\uD800\uD800 hi"}) {
            assertThat(TokenEstimator.shared().count(text)).as("count of %s", text)
                    .isEqualTo(JTOKKIT.countTokensOrdinary(text));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // a quadratic merge of a megabyte would take hours: not a speed target
    void aMegabyteOfOneLetterIsOnePieceCountedInNLogN() {
        String text = "a".repeat(1 << 20);
        assertThat(TokenEstimator.shared().count(text)).isEqualTo(JTOKKIT.countTokensOrdinary(text));
        String mixed = "ab".repeat(300_000) + "c";
        assertThat(TokenEstimator.shared().count(mixed)).isEqualTo(JTOKKIT.countTokensOrdinary(mixed));
    }

    @Test
    void aPieceOverAMegabyteCountsAsItsUtf8LengthTheSafeBound() {
        String letters = "a".repeat(TokenEstimator.MAX_MERGED_BYTES + 1);
        assertThat(TokenEstimator.shared().count(letters)).isEqualTo(TokenEstimator.MAX_MERGED_BYTES + 1)
                .isGreaterThanOrEqualTo(JTOKKIT.countTokensOrdinary(letters));
        String accented = "é".repeat(TokenEstimator.MAX_MERGED_BYTES / 2 + 1); // two bytes each: one piece of letters
        assertThat(TokenEstimator.shared().count(accented)).isEqualTo(TokenEstimator.MAX_MERGED_BYTES + 2);
        assertThat(TokenEstimator.shared().estimatePrompt(accented))
                .isLessThanOrEqualTo(TokenEstimator.upperBound(accented));
    }
}
