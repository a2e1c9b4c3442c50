package dev.switchboard.core.internal.request;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.config.ConditionSpec;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The cheap bounds a prompt-tokens condition decides on are bounds: the count always lies between them, and a range
 * the bounds call all-in or all-out is that for every count in it. Over any text — ASCII, other scripts, emoji,
 * unpaired surrogates — and any bounds.
 */
class TokenBoundsProperties {
    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> ascii = Arbitraries.strings().ascii().ofMaxLength(400);
        Arbitrary<String> any = Arbitraries.strings().all().ofMaxLength(200);
        Arbitrary<String> words = Arbitraries.of("the", " account", " 6222", " 0212", "客户", "😀", "\uD800", "\n",
                "  ", "Straße", "...", "1234567").list().ofMaxSize(80).map(l -> String.join("", l));
        return Arbitraries.oneOf(ascii, any, words);
    }

    @Property(tries = 600)
    void theCountLiesBetweenTheCheapBounds(@ForAll("texts") String text) {
        int count = TokenEstimator.shared().estimatePrompt(text);
        assertThat(TokenEstimator.lowerBound(text)).isLessThanOrEqualTo(count);
        assertThat(TokenEstimator.upperBound(text)).isGreaterThanOrEqualTo(count);
    }

    @Provide
    Arbitrary<ConditionSpec.Bounds> bounds() {
        Arbitrary<Long> n = Arbitraries.longs().between(0, 300).injectNull(0.5);
        return net.jqwik.api.Combinators.combine(n, n, n, n).as(ConditionSpec.Bounds::new);
    }

    @Property(tries = 2000)
    void aRangeTheBoundsDecideIsDecidedForEveryNumberInIt(@ForAll("bounds") ConditionSpec.Bounds bounds,
            @ForAll("ends") long a, @ForAll("ends") long b) {
        long lo = Math.min(a, b);
        long hi = Math.max(a, b);
        bounds.testRange(lo, hi).ifPresent(all -> {
            for (long v = lo; v <= hi; v++) {
                assertThat(bounds.test(v)).as("%s at %d of [%d, %d]", bounds, v, lo, hi).isEqualTo(all);
            }
        });
        if (lo == hi) {
            assertThat(bounds.testRange(lo, hi)).contains(bounds.test(lo)); // a single number is always decided
        }
    }

    @Provide
    Arbitrary<Long> ends() {
        return Arbitraries.longs().between(0, 320);
    }
}
