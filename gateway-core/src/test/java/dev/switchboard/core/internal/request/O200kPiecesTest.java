package dev.switchboard.core.internal.request;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The hand-written splitter and the counting built on it are held to the real thing: the o200k regular expression
 * exactly as jtokkit compiles it, and jtokkit's own count, on crafted edge cases, random text over every Unicode
 * category the expression tells apart, and this project's documentation.
 */
class O200kPiecesTest {
    /** jtokkit 1.1.0's o200k_base pattern, compiled with the flag jtokkit uses. */
    private static final Pattern O200K = Pattern.compile(String.join("|",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
                    + "(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
                    + "(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
            "\\p{N}{1,3}",
            " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*",
            "\\s*[\\r\\n]+",
            "\\s+(?!\\S)",
            "\\s+"), Pattern.UNICODE_CHARACTER_CLASS);

    private static final Encoding JTOKKIT = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    /** Code points from each class the expression distinguishes, and the ones it treats specially. */
    private static final int[] ALPHABET = {
        'a', 'z', 'A', 'Z', 's', 'S', 't', 'T', 'r', 'e', 'E', 'v', 'm', 'l', 'L', 'd', 'D', // ASCII letters
        '0', '5', '9', // digits
        ' ', ' ', ' ', '\t', '\n', '\r', 0x0B, '\f', // ASCII white space
        '\'', '\'', '/', '.', ',', '-', '!', '"', '(', '{', '_', '@', '#', 0x7F, 0x01, 0x1F, // punctuation, controls
        0x85, 0xA0, 0x1680, 0x2003, 0x2028, 0x2029, 0x202F, 0x3000, // Unicode white space
        0x17F, 0x212A, // long s, Kelvin sign (case folding)
        0xE9, 0xDF, 0xC9, 0xAA, 0xB5, // Latin-1 letters (Ll, Lu, Lo, Ll)
        0x1C5, 0x1F2, // title case (Lt)
        0x2B0, 0x3005, // modifier letters (Lm)
        0x4E2D, 0x6587, 0xAC00, 0x5BA2, // CJK and Hangul (Lo)
        0x301, 0x308, 0x903, 0x20DD, // marks (Mn, Mc, Me)
        0xB2, 0x2160, 0x661, 0xFF11, // numbers (No, Nl, Nd)
        0x2019, 0x201C, 0xFF0C, 0x3002, // typographic punctuation
        0x1F600, 0x1D400, 0x1D41A, 0x20000, 0x1D7CE, // supplementary: emoji, math Lu/Ll, CJK ext, math digit
        0xD800, // a lone surrogate
    };

    @Test
    void craftedCasesSplitLikeTheRegex() {
        List<String> cases = List.of("", "a", "Hello world", "  leading and trailing  ", "a    b", "a\n\n  b",
                "tab\tseparated\tvalues", "line\r\nbreaks\r\n", "\n", " \n ", "   ", "HTTPServer", "ABC123def",
                "I'm sure they'll say you've we're it's he'd I'M THEY'LL", "don'T 'S 'ſ x'ſ", "'s'S'", "12345678901234",
                "6222 0212 3456 7890", "price: $1,234.56!", "..Hello", ".Hello", "a/b//c\n/\n", " ...\n\n",
                "e-mail: jane.doe@example.com", "ÉCOLE école naïve Straße", "ǅemal ǲ", "ʰa 々々",
                "客户张三的账户 6222 0212 3456 7890 在本季度没有异常交易。", "e\u0301\u0301 \u0301x \u0301", "\u20DD1",
                "x\u0085y \u00A0z\u3000w", "²³ Ⅻ ١٢٣", "😀😀 hi😀", "𝐀𝐁𝐚 𝟎𝟏𝟐𝟑", "\uD800x", "end with space ");
        for (String text : cases) {
            assertThat(pieces(text)).as("pieces of %s", text).isEqualTo(regexPieces(text));
            assertThat(TokenEstimator.shared().count(text)).as("count of %s", text)
                    .isEqualTo(JTOKKIT.countTokensOrdinary(text));
        }
    }

    @Test
    void randomTextOverEveryClassSplitsLikeTheRegexAndCountsLikeJtokkit() {
        Random random = new Random(20261130L);
        for (int round = 0; round < 20_000; round++) {
            StringBuilder sb = new StringBuilder();
            int length = 1 + random.nextInt(24);
            for (int i = 0; i < length; i++) {
                sb.appendCodePoint(ALPHABET[random.nextInt(ALPHABET.length)]);
            }
            String text = sb.toString();
            assertThat(pieces(text)).as("pieces of %s", escape(text)).isEqualTo(regexPieces(text));
            assertThat(TokenEstimator.shared().count(text)).as("count of %s", escape(text))
                    .isEqualTo(JTOKKIT.countTokensOrdinary(text));
        }
    }

    @Test
    void longTextOfUnseenPiecesIsNotRememberedAndStillCountsTheSame() {
        // Random text is mostly pieces never seen: after 64 of them the next ones are counted but not remembered.
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            StringBuilder sb = new StringBuilder();
            int length = 300 + random.nextInt(1700);
            for (int i = 0; i < length; i++) {
                sb.appendCodePoint(ALPHABET[random.nextInt(ALPHABET.length)]);
            }
            String text = sb.toString();
            assertThat(TokenEstimator.shared().count(text)).as("count of %s", escape(text))
                    .isEqualTo(JTOKKIT.countTokensOrdinary(text));
        }
    }

    @Test
    void aFamiliarStartFollowedByUnseenTextIsJudgedAgainAndStillCountsTheSame() {
        String familiar = "You are a careful bank analyst. Review the account history for unusual transfers. ".repeat(8);
        TokenEstimator.shared().count(familiar); // now remembered
        Random random = new Random(11);
        for (int round = 0; round < 50; round++) {
            StringBuilder sb = new StringBuilder(familiar);
            for (int i = 0; i < 2000; i++) {
                sb.appendCodePoint(ALPHABET[random.nextInt(ALPHABET.length)]);
            }
            String text = sb.toString();
            assertThat(TokenEstimator.shared().count(text)).isEqualTo(JTOKKIT.countTokensOrdinary(text));
        }
    }

    @Test
    void theProjectsDocumentationCountsLikeJtokkit() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<Path> files;
        try (Stream<Path> s = Stream.concat(Files.list(root.resolve("docs")), Stream.of(root.resolve("README.md")))) {
            files = s.filter(p -> p.toString().endsWith(".md")).toList();
        }
        assertThat(files).hasSizeGreaterThan(5);
        for (Path file : files) {
            String text = Files.readString(file);
            assertThat(pieces(text)).as("pieces of %s", file).isEqualTo(regexPieces(text));
            // Twice: the second time most pieces come from the table of remembered counts.
            assertThat(TokenEstimator.shared().count(text)).as("count of %s", file)
                    .isEqualTo(JTOKKIT.countTokensOrdinary(text));
            assertThat(TokenEstimator.shared().count(text)).isEqualTo(JTOKKIT.countTokensOrdinary(text));
        }
    }

    private static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        for (int start = 0, end; start < text.length(); start = end) {
            end = O200kPieces.end(text, start);
            assertThat(end).isGreaterThan(start);
            out.add(text.substring(start, end));
        }
        return out;
    }

    private static List<String> regexPieces(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = O200K.matcher(text);
        int expected = 0;
        while (m.find()) {
            assertThat(m.start()).as("the regex leaves no gap").isEqualTo(expected);
            out.add(m.group());
            expected = m.end();
        }
        return out;
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> sb.append(cp >= 0x20 && cp < 0x7F ? Character.toString(cp)
                : String.format("\\u{%X}", cp)));
        return sb.toString();
    }
}
