package dev.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RandomIdsTest {
    @Test
    void idsAreHexWithNoLongDigitRunAndDoNotRepeat() {
        Set<String> seen = new HashSet<>();
        int[][] valuesAt = new int[32][16];
        for (int i = 0; i < 200_000; i++) {
            String id = RandomIds.next("req_");
            assertThat(id).matches("req_[0-9a-f]{32}");
            assertThat(seen.add(id)).as("unique").isTrue();
            int run = 0;
            for (int k = 4; k < id.length(); k++) {
                run = Character.isDigit(id.charAt(k)) ? run + 1 : 0;
                assertThat(run).as(id).isLessThanOrEqualTo(RandomIds.DIGIT_RUN);
                valuesAt[k - 4][Character.digit(id.charAt(k), 16)]++;
            }
        }
        // Every place draws: sixteen values where digits may stand, the six letters a–f at every sixth.
        for (int place = 0; place < 32; place++) {
            long drawn = java.util.Arrays.stream(valuesAt[place]).filter(n -> n > 0).count();
            assertThat(drawn).as("place %d", place).isEqualTo(place % 6 == 5 ? 6 : 16);
        }
    }
}
