package dev.switchboard.core.internal.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.compliance.Finding;
import dev.switchboard.core.config.ComplianceSpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * What the product claims, as properties: a value of every kind, written with any separators in any digit script
 * and surrounded by any prose, is found; masking leaves nothing the egress guard would refuse; the guard and the
 * early scan agree.
 */
class ScannerProperties {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final SensitiveDataScanner scanner = SensitiveDataScanner.builtIn();
    private final RequestScanner requests = new RequestScanner(scanner, ComplianceSpec.Media.ALLOW);
    private final EgressGuard guard = new EgressGuard(scanner, ComplianceSpec.Media.ALLOW);
    private final CompliancePolicy policy = new CompliancePolicy(dev.switchboard.core.config.ComplianceSpec.DEFAULTS);

    /** A value and its kind. */
    record Value(String kind, String digits) {
    }

    @Provide
    Arbitrary<Value> values() {
        Arbitrary<Value> cards = Arbitraries.strings().numeric().ofLength(14).map(body -> {
            String s = "62" + body;
            return new Value("bank-card", s + luhnDigit(s));
        });
        Arbitrary<Value> ids = Combinators.combine(Arbitraries.of("110105", "310115", "440306", "320102", "510104"),
                Arbitraries.integers().between(1930, 2010), Arbitraries.integers().between(1, 12),
                Arbitraries.integers().between(1, 28), Arbitraries.integers().between(0, 999)).as((r, y, m, d, q) -> {
                    String s = r + y + String.format("%02d%02d%03d", m, d, q);
                    return new Value("cn-resident-id", s + idCheck(s));
                });
        Arbitrary<Value> mobiles = Combinators.combine(Arbitraries.integers().between(3, 9),
                Arbitraries.strings().numeric().ofLength(9)).as((second, rest) -> new Value("cn-mobile",
                "1" + second + rest));
        return Arbitraries.oneOf(cards, ids, mobiles);
    }

    private static final List<String> SEPARATORS = List.of(" ", "  ", "-", ".", "/", "_", "\n", "\u00A0", "\u200B",
            " - ", "\u3000", "\u2013", "\t", "\u00A0\u00A0", "%20", "&nbsp;", "&#32;", "&#x2D;", ",", "+");
    private static final int[] ZEROS = {'0', '\u0660', '\u06F0', '\u0966', '\uFF10', '\u09E6', '\u0E50'};

    @Provide
    Arbitrary<String> prose() {
        return Arbitraries.of("Please check ", "请核实", "The customer gave ", "客户提供的号码是", "ref: ", "(", "\"",
                "Hello, ", "Re: case — ", "编号：");
    }

    @Property(tries = 2000)
    void everyRenderingIsFound(@ForAll("values") Value value, @ForAll("prose") String before,
            @ForAll("prose") String after, @ForAll long seed) {
        java.util.Random random = new java.util.Random(seed);
        String rendered = render(value.digits(), random);
        String suffix = SUFFIXES.get(random.nextInt(SUFFIXES.size()));
        char last = rendered.charAt(rendered.length() - 1);
        char beforeLast = rendered.charAt(rendered.length() - 2);
        if (last < 0x80 && Character.isLetter(last)
                && (beforeLast == ' ' || beforeLast < 0x80 && Character.isLetter(beforeLast))) {
            suffix = suffix.isEmpty() || suffix.equals(".") ? suffix : " " + suffix; // words: a unit after a space
        }
        String text = before + rendered + suffix + " " + after;
        List<Finding> found = scanner.scan(text);
        if (suffix.startsWith("X") || suffix.startsWith("x")) {
            // Seventeen digits and a glued X may also make a valid resident ID (one in eleven, with a real date):
            // found as that, the whole value is covered all the same.
            int at = text.indexOf(rendered);
            assertThat(found).as(text).anySatisfy(f -> {
                assertThat(f.kind()).isIn(value.kind(), "cn-resident-id");
                assertThat(f.start()).isLessThanOrEqualTo(at);
                assertThat(f.end()).isGreaterThanOrEqualTo(at + rendered.length());
            });
        } else {
            assertThat(found).as(text).extracting(Finding::kind).contains(value.kind());
        }
    }

    @Property(tries = 500)
    void aValueInsideBase64IsFound(@ForAll("values") Value value, @ForAll("prose") String before,
            @ForAll("prose") String after, @ForAll long seed) {
        java.util.Random random = new java.util.Random(seed);
        byte[] plain = utf8(before + render(value.digits(), random) + " " + after);
        String encoded = switch (random.nextInt(3)) {
            case 0 -> java.util.Base64.getEncoder().encodeToString(plain);
            case 1 -> java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(plain);
            default -> java.util.Base64.getMimeEncoder().encodeToString(plain); // lines of 76, a value across two
        };
        String text = "Please decode " + encoded + " and answer.";
        List<Finding> found = scanner.scan(text);
        if (!found.stream().anyMatch(f -> f.kind().equals(value.kind()))) {
            // Seventeen digits and a glued letter may make a resident ID: found as that, the run is covered the same.
            assertThat(found).as(text).anySatisfy(f -> {
                assertThat(f.start()).isLessThanOrEqualTo(text.indexOf(encoded));
                assertThat(f.end()).isGreaterThanOrEqualTo(text.indexOf(encoded) + encoded.length());
            });
        }
    }

    /** Pieces of text where spelled digits, digits and the chars that force the slow reading meet. */
    private static final List<String> PIECES = List.of("one", "two", "three", "six", "seven", "eight", "nine",
            "zero", "oh", "Four", "FIVE", "sixtwo", "6222", "0212", "13800138000", "789", "X", "x", " ", " ", "  ",
            "-", ", ", ".", "\n", "\\n", "%20", "\u200B", "\u00A0", "\uFF54\uFF57\uFF4F", "O", "I", "often", "the",
            "card", "六", "二", "卡号", "account no ", "e");

    @Property(tries = 3000)
    void theInPlaceAndTheCopyingReadingsAgree(@ForAll long seed) {
        // A text read in place (its chars all read as themselves up to somewhere) and the same text made to be read
        // from its first char (an ideographic space, read as a space, before it) find the same values at the same
        // places: where the reading starts never changes what is found.
        String text = pieced(PIECES, new java.util.Random(seed), 4, 33);
        List<Finding> inPlace = scanner.scan(" " + text);
        List<Finding> copied = scanner.scan("\u3000" + text);
        assertThat(copied).as(text).isEqualTo(inPlace);
    }

    /** Between {@code least} and {@code most} pieces drawn from {@code pieces}, joined. */
    private static String pieced(List<String> pieces, java.util.Random random, int least, int most) {
        StringBuilder text = new StringBuilder();
        int count = least + random.nextInt(most - least + 1);
        for (int k = 0; k < count; k++) {
            text.append(pieces.get(random.nextInt(pieces.size())));
        }
        return text.toString();
    }

    /**
     * Pieces where the look before the reading decides something: lookalike letters alone, in words, between digits
     * and beside marks; escapes that are and are not ones; Chinese numerals in prose and beside digits; base64-like
     * runs of both cases; digit words alone and glued.
     */
    private static final List<String> LOOK_PIECES = List.of("O", "o", "I", "OO", "oI", "1O2", "6222 O212", "IO",
            "of", "to", "zoo", "Io", "O-", "-O", "O/", "_I", "+o", "%", "%2B", "%41", "%3", "8.90%", "&", "&amp;",
            "&#54;", "R&D", "\\", "\\n", "\\u0036", "\\/", "一", "六", "一个", "零", "二零", "Zm9vYmFyYmF6cXV4",
            "QUJDREVGR0hJSktM", "aGVsbG8gd29ybGQ", "-", "_", "+", "/", "sixtwo", "six", "two", "oh", "Oh", "one",
            "often", "the", " ", " ", ", ", "6222", "0", "12", "\u00A0", "\uFF16", "\uFF4F", "\u200B", "word", "review",
            "\n", "x", "X", "\uD83D\uDE00", "\uFFFF");

    @Property(tries = 3000)
    void theLookBeforeTheReadingChangesNothingRead(@ForAll long seed) {
        // The reading skips what the look says reads as itself and starts where it says: read from the first char
        // instead (an ideographic space before the text forces it), the text reads the same, char for char and
        // offset for offset, and the base64 look agrees.
        String text = pieced(LOOK_PIECES, new java.util.Random(seed), 1, 40);
        NormalizedText inPlace = NormalizedText.of(" " + text);
        NormalizedText copied = NormalizedText.of("\u3000" + text);
        assertThat(copied.length()).as(text).isEqualTo(inPlace.length());
        for (int k = 0; k < inPlace.length(); k++) {
            assertThat(copied.charAt(k)).as("%s at %d", text, k).isEqualTo(inPlace.charAt(k));
            assertThat(copied.origin(k)).as("%s at %d", text, k).isEqualTo(inPlace.origin(k));
        }
        assertThat(copied.mayHoldBase64()).as(text).isEqualTo(inPlace.mayHoldBase64());
    }

    @Property(tries = 1000)
    void aValueSplitAcrossTwoMessagesIsFound(@ForAll("values") Value value, @ForAll long seed) throws Exception {
        java.util.Random random = new java.util.Random(seed);
        int cut = 4 + random.nextInt(value.digits().length() - 7);
        String first = "The number starts " + value.digits().substring(0, cut);
        String second = value.digits().substring(cut) + " and that is all";
        ObjectNode body = JSON.createObjectNode().put("model", "chat");
        body.putArray("messages").add(JSON.createObjectNode().put("role", "user").put("content", first))
                .add(JSON.createObjectNode().put("role", "user").put("content", second));
        byte[] bytes = JSON.writeValueAsBytes(body);
        assertThat(requests.assess(bytes).kinds()).as(body.toString()).contains(value.kind());
    }

    @Property(tries = 1000)
    void aValueContinuedIntoOrOutOfAToolCallIsFound(@ForAll("values") Value value, @ForAll long seed)
            throws Exception {
        if (value.kind().equals("cn-mobile")) {
            return; // no check digit: parts with words or a key between are never joined (COMPLIANCE.md)
        }
        java.util.Random random = new java.util.Random(seed);
        int cut = 4 + random.nextInt(value.digits().length() - 7);
        String first = "The number starts " + value.digits().substring(0, cut);
        String rest = value.digits().substring(cut);
        ObjectNode body = JSON.createObjectNode().put("model", "chat");
        com.fasterxml.jackson.databind.node.ArrayNode messages = body.putArray("messages");
        ObjectNode call = JSON.createObjectNode().put("role", "assistant");
        String arguments = JSON.writeValueAsString(java.util.Map.of(random.nextBoolean() ? "rest" : "value",
                random.nextBoolean() ? rest : "the rest is " + rest));
        switch (random.nextInt(3)) {
            case 0 -> { // a message, then the rest in a tool call's arguments
                messages.addObject().put("role", "user").put("content", first);
                call.putArray("tool_calls").addObject().put("id", "c1").put("type", "function")
                        .putObject("function").put("name", "lookup").put("arguments", arguments);
                messages.add(call);
            }
            case 1 -> { // the first part in a tool call's arguments, the rest in the next message
                call.putArray("tool_calls").addObject().put("id", "c1").put("type", "function")
                        .putObject("function").put("name", "lookup")
                        .put("arguments", JSON.writeValueAsString(java.util.Map.of("start", first)));
                messages.add(call);
                messages.addObject().put("role", "user").put("content", rest + " is the rest");
            }
            default -> { // a message, then the rest in a refusal
                messages.addObject().put("role", "user").put("content", first);
                messages.add(call.put("refusal", "I will not look up " + rest));
            }
        }
        byte[] bytes = JSON.writeValueAsBytes(body);
        assertThat(requests.assess(bytes).kinds()).as(body.toString()).contains(value.kind());
        ObjectNode masked = requests.mask(body, new Masking());
        assertThat(guard.check(JSON.writeValueAsBytes(masked)).sensitive()).as(masked.toString()).isFalse();
    }

    @Property(tries = 1000)
    void aCardOrIdGivenLastPartFirstIsFound(@ForAll("values") Value value, @ForAll long seed) {
        if (value.kind().equals("cn-mobile")) {
            return; // no check digit: parts with words between are never joined (COMPLIANCE.md)
        }
        java.util.Random random = new java.util.Random(seed);
        String digits = value.digits();
        int cut = 4 + random.nextInt(digits.length() - 8 + (digits.endsWith("X") ? 0 : 1));
        String tail = digits.substring(cut);
        // A part that reads as a date or starts with one is never joined to a number beside it (COMPLIANCE.md):
        // "on 20261130, card 622202123…" is a date and a number.
        net.jqwik.api.Assume.that(!java.util.regex.Pattern.compile("^(19|20)\\d\\d(0[1-9]|1[0-2])(0[1-9]|[12]\\d|3[01])")
                .matcher(tail).find() && !java.util.regex.Pattern.compile("^(19|20)\\d\\d(0[1-9]|1[0-2])(0[1-9]|[12]\\d|3[01])")
                .matcher(digits.substring(0, cut)).find());
        String text = "It ends with " + tail + ", and it begins " + digits.substring(0, cut) + ".";
        List<Finding> found = scanner.scan(text);
        if (found.stream().noneMatch(f -> f.kind().equals(value.kind()))) {
            // The last part is a value of its own (a mobile number's shape): found as that, so the request is held
            // inside, and under mask the part a card's number is read back from is masked.
            int at = text.indexOf(tail);
            assertThat(found).as(text).anySatisfy(f -> assertThat(f.spans()).anySatisfy(span -> {
                assertThat(span.start()).isLessThanOrEqualTo(at);
                assertThat(span.end()).isGreaterThanOrEqualTo(at + tail.length());
            }));
        }
    }

    @Property(tries = 1000)
    void maskedBodiesPassTheGuardAndTheScansAgree(@ForAll("values") Value value, @ForAll("prose") String before,
            @ForAll long seed) throws Exception {
        java.util.Random random = new java.util.Random(seed);
        ObjectNode body = JSON.createObjectNode().put("model", "chat");
        String text = before + render(value.digits(), random);
        int where = random.nextInt(4);
        body.putArray("messages").add(JSON.createObjectNode().put("role", "user").put("content",
                where == 0 ? text : "hi"));
        switch (where) {
            case 1 -> body.put("x_notes", text);
            case 2 -> body.putObject("metadata").put(text, "v");
            case 3 -> body.putArray("stop").add(text);
            default -> {
            }
        }
        byte[] bytes = JSON.writeValueAsBytes(body);
        // The early scan reads the client's request, the guard the body as it would leave (model rewritten).
        dev.switchboard.core.RequestView view = dev.switchboard.core.RequestView.chat(bytes);
        Assessment early = policy.assess(view);
        assertThat(guard.check(view.upstreamBody("big-model-v3", false))).isEqualTo(early);
        assertThat(requests.assess(view.tree())).isEqualTo(early);
        assertThat(early.kinds()).as(text).contains(value.kind());
        ObjectNode masked = requests.mask(body, new Masking());
        assertThat(guard.check(JSON.writeValueAsBytes(masked)).sensitive()).as(masked.toString()).isFalse();
    }

    /** What a writer glues after a number: nothing, a letter X, a unit, a Chinese measure word. */
    private static final List<String> SUFFIXES = List.of("", "", "X", "x", "CNY", "XCNY", "元", "号", ".");

    /**
     * Digits in forms that are no decimal digits to Unicode — superscript, subscript, circled, negative circled —
     * as tag characters, which show nothing but spell ASCII to a model, and as Chinese numerals: each its 0 to 9.
     */
    private static final int[][] FORMS = {
        {0x2070, 0xB9, 0xB2, 0xB3, 0x2074, 0x2075, 0x2076, 0x2077, 0x2078, 0x2079},
        {0x2080, 0x2081, 0x2082, 0x2083, 0x2084, 0x2085, 0x2086, 0x2087, 0x2088, 0x2089},
        {0x24EA, 0x2460, 0x2461, 0x2462, 0x2463, 0x2464, 0x2465, 0x2466, 0x2467, 0x2468},
        {0x24FF, 0x2776, 0x2777, 0x2778, 0x2779, 0x277A, 0x277B, 0x277C, 0x277D, 0x277E},
        {0xE0030, 0xE0031, 0xE0032, 0xE0033, 0xE0034, 0xE0035, 0xE0036, 0xE0037, 0xE0038, 0xE0039},
        {0x3007, 0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03, 0x516B, 0x4E5D}, // 〇一二三四五六七八九
        {0x96F6, 0x58F9, 0x8D30, 0x53C1, 0x8086, 0x4F0D, 0x9646, 0x67D2, 0x634C, 0x7396}, // 零壹贰叁肆伍陆柒捌玖
    };
    /** Marks drawn on the digit before them: strike-through, acute, a keycap (with its emoji selector). */
    private static final List<String> MARKS = List.of("\u0336", "\u0301", "\uFE0F\u20E3", "\u20E3", "\u180B");
    /** Digits spelled in English, and what stands between the words. */
    private static final List<String> WORDS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven",
            "eight", "nine");
    private static final List<String> WORD_SEPARATORS = List.of(" ", "-", "", ", ", "  ");
    /** The check letter X as other scripts draw it. */
    private static final List<String> XS = List.of("X", "x", "\uFF38", "\u0425", "\u0445", "\u03A7", "\u00D7");

    static String render(String value, java.util.Random random) {
        int zero = ZEROS[random.nextInt(ZEROS.length)];
        int[] form = random.nextInt(3) == 0 ? FORMS[random.nextInt(FORMS.length)] : null;
        String mark = random.nextInt(4) == 0 ? MARKS.get(random.nextInt(MARKS.size())) : "";
        int encoded = random.nextInt(10) < 7 ? 0 : 1 + random.nextInt(3);
        String wordSep = WORD_SEPARATORS.get(random.nextInt(WORD_SEPARATORS.size()));
        int wordCase = random.nextInt(3);
        StringBuilder out = new StringBuilder();
        int group = 2 + random.nextInt(5);
        String sep = random.nextInt(4) == 0 ? "" : SEPARATORS.get(random.nextInt(SEPARATORS.size()));
        if (sep.equals(",") && group == 3) {
            group = 4; // groups of three after commas are thousands: an amount, as a reader takes it too
        }
        for (int i = 0; i < value.length(); i++) {
            if (i > 0 && i % group == 0) {
                out.append(sep);
            }
            char c = value.charAt(i);
            if (c == 'X' && encoded == 3) {
                out.append(' ').append(random.nextBoolean() ? 'X' : 'x'); // said after the words
            } else if (c == 'X') {
                out.append(XS.get(random.nextInt(XS.size())));
            } else if (encoded == 3) {
                if (i > 0 && i % group != 0) {
                    out.append(wordSep);
                }
                String word = WORDS.get(c - '0');
                out.append(wordCase == 0 ? word : wordCase == 1 ? word.toUpperCase(java.util.Locale.ROOT)
                        : Character.toUpperCase(word.charAt(0)) + word.substring(1)); // spelled in English words
            } else if (encoded == 1) {
                out.append("%3").append(c); // percent-encoded, as in a URL
            } else if (encoded == 2) {
                out.append("&#").append((int) c).append(';'); // an HTML character reference
            } else {
                out.appendCodePoint(form != null ? form[c - '0'] : zero + (c - '0')).append(mark);
            }
        }
        return out.toString();
    }

    static char luhnDigit(String body) {
        for (char d = '0'; d <= '9'; d++) {
            if (SensitiveDataScanner.luhn(body + d)) {
                return d;
            }
        }
        throw new AssertionError();
    }

    static char idCheck(String first17) {
        int[] w = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
        int sum = 0;
        for (int k = 0; k < 17; k++) {
            sum += (first17.charAt(k) - '0') * w[k];
        }
        return "10X98765432".charAt(sum % 11);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
