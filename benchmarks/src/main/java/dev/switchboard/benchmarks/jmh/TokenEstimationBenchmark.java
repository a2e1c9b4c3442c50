package dev.switchboard.benchmarks.jmh;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.switchboard.core.internal.request.TokenEstimator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Counting prompt tokens with the o200k_base BPE before a call. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TokenEstimationBenchmark {
    @Param({"4096", "32768"})
    int chars;

    /**
     * {@code mixed}: Chinese and English with a card number; {@code english}: bank prose; {@code novel}: made-up
     * words that are never seen twice in a row, so that no piece is found among the remembered counts (the worst
     * case of {@code TokenEstimator}).
     */
    @Param({"mixed", "english", "novel"})
    String text;

    private final Encoding jtokkit = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    private String[] texts;
    private int next;

    @Setup
    public void setUp() {
        String base = switch (text) {
            case "mixed" -> "客户张三的账户 6222 0212 3456 7890 在本季度没有异常交易。Review the account history for "
                    + "unusual transfers and summarise the findings for the compliance officer. ";
            case "english" -> "Please review the attached statement for the quarter ending 30 September. The client "
                    + "reports two transfers she does not recognise, of 1,250.00 and 980.75 EUR, both to a merchant "
                    + "in Lisbon. Summarise the account's recent activity, flag anything unusual, and draft a short, "
                    + "polite reply explaining the dispute process and the expected timeline.\n\n";
            default -> "";
        };
        Random random = new Random(42);
        texts = new String[text.equals("novel") ? 64 : 1];
        for (int t = 0; t < texts.length; t++) {
            StringBuilder sb = new StringBuilder();
            while (sb.length() < chars) {
                if (base.isEmpty()) {
                    sb.append(' ');
                    for (int i = 0, n = 4 + random.nextInt(6); i < n; i++) {
                        sb.append((char) ('a' + random.nextInt(26)));
                    }
                } else {
                    sb.append(base);
                }
            }
            texts[t] = sb.substring(0, chars);
        }
        TokenEstimator.shared().count(texts[0]);
    }

    private String nextText() {
        String t = texts[next];
        next = (next + 1) % texts.length;
        return t;
    }

    /** This project's estimator: hand-written o200k split, remembered counts of short pieces. */
    @Benchmark
    public int count() {
        return TokenEstimator.shared().count(nextText());
    }

    /** jtokkit alone, for comparison: the same count (the tests check it), split by its regular expression. */
    @Benchmark
    public int jtokkit() {
        return jtokkit.countTokensOrdinary(nextText());
    }
}
