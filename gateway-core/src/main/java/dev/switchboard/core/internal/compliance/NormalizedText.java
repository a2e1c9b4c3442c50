package dev.switchboard.core.internal.compliance;

/**
 * A text as the detectors read it, with a way back to the original offsets. Every decimal digit of any script
 * ({@link Character#digit(int, int)}: Arabic-Indic, Devanagari, full-width, mathematical, ...) becomes its ASCII
 * digit; full-width ASCII becomes ASCII; every kind of space (no-break, ideographic, line breaks) becomes a space;
 * every dash, dot-like, slash-like and connector mark becomes {@code - . / _}; invisible format characters (zero-width
 * space and joiners, soft hyphen, byte-order mark, direction marks) are dropped, since a reader never sees them.
 * So {@code ６２２２ 0212} with a no-break space and {@code ٦٢٢٢٠٢١٢} read like {@code 6222 0212} and {@code 62220212}.
 *
 * <p>The usual text — ASCII, or Chinese prose with ASCII digits — is read in place, without a copy.
 */
final class NormalizedText {
    /** The chars read, for the tight loops of the detectors (an array read is cheaper than {@code String.charAt}). */
    private final char[] array;
    private final int length;
    /** The same chars as a string, made when a regular expression needs them. */
    private String chars;
    /** The text as given (null for unchanged chars given as an array: they are the source). */
    private final String source;
    /** Whether any char was read differently (else offsets are the same). */
    private final boolean changed;
    private int[] digitRuns;
    /** Whether the text as written has a run of letters that may be base64 ({@link EncodedTexts}). */
    private final boolean base64;
    /** Original offset of each normalized char (one extra entry: the original length), made when first asked. */
    private int[] origin;

    private NormalizedText(String source, char[] array, int length, boolean changed, boolean base64) {
        this.source = source;
        this.array = array;
        this.length = length;
        this.changed = changed;
        this.base64 = base64;
    }

    /** For every BMP char: what it is read as ({@link #DROP}: nothing), precomputed from {@link #map(int)}. */
    static final char[] READ_AS = new char[0x10000];
    /** Chars read as themselves, except escapes' backslash and surrogates (which need a look at the next char). */
    private static final long[] SAME = new long[0x10000 / 64];
    static final char DROP = '\uFFFF';

    static {
        for (int c = 0; c < 0x10000; c++) {
            int mapped = Character.isSurrogate((char) c) ? c : map(c);
            READ_AS[c] = mapped < 0 ? DROP : (char) mapped;
            // Not "same" (the tight loops stop at them): escapes' first chars, and letters that may read as digits.
            if (mapped == c && c != '\\' && c != '%' && c != '&' && c != 'O' && c != 'o' && c != 'I'
                    && !Character.isSurrogate((char) c) && c != DROP) {
                SAME[c >>> 6] |= 1L << c;
            }
        }
    }

    private static boolean same(char c) {
        return (SAME[c >>> 6] & (1L << c)) != 0;
    }

    static NormalizedText of(CharSequence text) {
        String source = text.toString();
        char[] in = source.toCharArray();
        return of(in, in.length, source);
    }

    /**
     * The first {@code n} chars of {@code chars}, read in place: the array becomes this text's own (the caller must
     * not touch it while this text is in use). A copy of the source is made only when something reads differently,
     * for the way back to the original offsets.
     */
    static NormalizedText ofChars(char[] chars, int n) {
        return of(chars, n, null);
    }

    private static NormalizedText of(char[] in, int n, String given) {
        long look = look(in, n);
        int i = (int) (look & LIMIT);
        int words = (int) (look >>> 31 & LIMIT) - 1;
        if (words >= 0) {
            i = words;
        }
        boolean base64 = look < 0;
        if (i == n) {
            return new NormalizedText(given, in, n, false, base64);
        }
        String source = given != null ? given : new String(in, 0, n);
        return new NormalizedText(source, in, read(source, in, i, null), true, base64);
    }

    /**
     * What the tight loop decides of a char at {@code i} that is not read as itself: the index to go on from when it
     * is still read where it stands — a lookalike letter among letters ("word"), a run of them not between digits, a
     * percent sign or an ampersand that starts no escape ("8.90%", "R&D"), a numeral in prose ("一个") — or -1 where
     * the reading must start.
     */
    private static int goesOn(char[] in, int i, int n) {
        char c = in[i];
        if (lookalike(c) && (i == 0 || letter(in[i - 1])) && (i + 1 == n || letter(in[i + 1]))) {
            return i + 1; // the usual o: inside a word
        }
        if (lookalike(c)) {
            int end = lookalikeRunEnd(in, i, n); // a run judged once: "OOOO…" is read in linear time
            return runBetweenDigits(in, i, end, n) ? -1 : end;
        }
        if (c == '%' && !percentEscape(in, i, n) || c == '&' && !mayBeReference(in, i, n)
                || loneInProse(in, i, n)) {
            return i + 1;
        }
        return -1;
    }

    /** Among base64's letters: a digit, a small or a capital letter, a mark ({@code + / - _}). */
    private static final int DIGIT = 1;
    private static final int SMALL = 2;
    private static final int CAPITAL = 4;
    private static final int MARK = 8;
    /** The first char of an escape base64 may be written with ({@code %2B}, {@code \\/}): a run goes on past it. */
    private static final int ESCAPE = 16;
    private static final int BASE64_KINDS = DIGIT | SMALL | CAPITAL | MARK | ESCAPE;
    /** In {@link #KIND}: read as itself ({@link #same}); a lookalike letter ({@code O o I}). */
    private static final int SAME_KIND = 32;
    private static final int LOOKALIKE = 64;
    /** Each ASCII char's kinds: its kind among base64's letters, and whether it is read as itself or a lookalike. */
    private static final byte[] KIND = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            int base64 = c >= '0' && c <= '9' ? DIGIT : c >= 'a' && c <= 'z' ? SMALL
                    : c >= 'A' && c <= 'Z' ? CAPITAL : c == '+' || c == '/' || c == '-' || c == '_' ? MARK
                    : c == '%' || c == '\\' ? ESCAPE : 0;
            KIND[c] = (byte) (base64 | (same((char) c) ? SAME_KIND : 0) | (lookalike((char) c) ? LOOKALIKE : 0));
        }
    }

    /** Whether {@code c} is a letter of either base64 alphabet (letters, digits, {@code + / - _}). */
    static boolean base64Alphabet(char c) {
        return c < 128 && (KIND[c] & (DIGIT | SMALL | CAPITAL | MARK)) != 0;
    }

    /** The low 31 bits of {@link #look}'s answer, and the mask of each of its two numbers. */
    private static final long LIMIT = 0x7FFF_FFFFL;

    /**
     * One pass over a text for what the reading needs to know before it starts, in the same walk over runs of base64's
     * letters (Latin letters, digits, {@code + / - _} and escapes' first chars) and the gaps between them: where the
     * tight loop of earlier builds would stop (the first char not read where it stands, {@link #goesOn}; {@code n} if
     * none), in the low 31 bits; where the first English digit word the reading would read as a digit starts, among
     * the words that start before there, plus one (0: none), in the next 31; and in the sign bit, whether a run may be
     * base64 (long enough, capitals and small letters both), which {@link EncodedTexts} then reads.
     *
     * <p>Chars are judged where the walk meets them: in a gap, one not read as itself is judged at once; in a run of
     * letters alone, a lookalike letter ({@code o} in "word", "to", "of") always has a letter beside it, so it goes
     * on, and the run needs a look only when it is all lookalikes ("I", "OO") or holds a digit, a mark or an escape
     * — then each of its chars is judged as the tight loop did. One load and one table look a char, where the two
     * passes this replaces (a tight loop that stopped at every {@code o}, then the runs) took two of each.
     */
    private static long look(char[] in, int n) {
        int limit = -1; // not yet known
        int judged = 0; // the tight loop's cursor: chars before it are decided
        int firstWord = -1;
        boolean base64 = false;
        int i = 0;
        while (i < n) {
            while (i < n) {
                char c = in[i];
                int kind = c < 128 ? KIND[c] : same(c) ? SAME_KIND : 0;
                if ((kind & BASE64_KINDS) != 0) {
                    break;
                }
                if ((kind & SAME_KIND) == 0 && limit < 0 && i >= judged) {
                    judged = goesOn(in, i, n);
                    if (judged < 0) {
                        limit = i;
                    }
                }
                i++;
            }
            int start = i;
            int seen = 0;
            while (i < n) {
                char c = in[i];
                int kind = c < 128 ? KIND[c] : 0;
                if ((kind & BASE64_KINDS) == 0) {
                    break;
                }
                seen |= kind;
                i++;
            }
            if (limit < 0 && ((seen & ESCAPE) != 0 || (seen & LOOKALIKE) != 0
                    && ((seen & (DIGIT | MARK)) != 0 || (seen & SAME_KIND) == 0))) {
                // An escape's first char, or lookalikes beside digits or marks or alone: each char as the tight loop
                // did. (Letters, digits and marks are otherwise all read as themselves.)
                for (int k = Math.max(start, judged); k < i && limit < 0; k++) {
                    if (!same(in[k]) && k >= judged) {
                        judged = goesOn(in, k, n);
                        if (judged < 0) {
                            limit = k;
                        }
                    }
                }
            }
            base64 |= i - start >= EncodedTexts.SHORTEST && (seen & (SMALL | CAPITAL)) == (SMALL | CAPITAL);
            if (firstWord < 0 && (limit < 0 || start < limit) && (seen & (SMALL | CAPITAL)) != 0) {
                int bound = limit < 0 ? i : Math.min(i, limit);
                if ((seen & (DIGIT | MARK | ESCAPE)) != 0) {
                    firstWord = SpelledDigits.firstNumberWord(in, start, bound, n); // "789four", "Six-Two"
                } else if (SpelledDigits.startsNumberWord(in[start]) && SpelledDigits.numberWords(in, start, i) > 0
                        && SpelledDigits.keptChain(in, null, start, n, nearest(in, start, -1, n), start, in) >= 0) {
                    firstWord = start; // a word alone: most fail at their first or second letter
                }
            }
        }
        long until = limit < 0 ? n : limit;
        return (base64 ? Long.MIN_VALUE : 0) | (long) (firstWord + 1) << 31 | until;
    }

    /**
     * Reads {@code source} from {@code from} into {@code out} (which holds it as it is up to there; what is read is
     * never longer than what was written, so it may be {@code source}'s own copy), noting each char's original offset
     * in {@code origin} when given; returns the length read.
     */
    private static int read(String source, char[] out, int from, int[] origin) {
        int n = source.length();
        if (origin != null) {
            for (int k = 0; k < from; k++) {
                origin[k] = k;
            }
        }
        int o = from;
        int i = from;
        int[] numerals = null; // where a Chinese numeral was read as a digit, and the numeral: pairs, count first
        char[] letters = null; // the source's chars as read one by one, made at the first letter that may spell a digit
        int wordDigit = -1; // where the last digit spelled as a word was written
        int keepUntil = -1; // where the chain of digit words being read as digits ends
        while (i < n) {
            char ch = source.charAt(i);
            int at = i;
            char folded = ch < 0x80 || Character.isSurrogate(ch) ? ch : READ_AS[ch]; // full-width letters too
            if (folded < 0x80 && SpelledDigits.startsNumberWord(folded) && (o == 0 || !letter(out[o - 1]))) {
                if (letters == null) {
                    letters = SpelledDigits.folded(source);
                }
                int end = SpelledDigits.letterRunEnd(letters, i, n);
                if (SpelledDigits.numberWords(letters, i, end) > 0) {
                    if (i >= keepUntil) {
                        keepUntil = SpelledDigits.keptChain(letters, source, i, n, nearest(out, o, -1, o), o, out);
                    }
                    if (i < keepUntil) {
                        int left = nearest(out, o, -1, o);
                        if (left >= 0 && left == wordDigit && SpelledDigits.spokenTogether(out, left + 1, o)) {
                            o = left + 1; // "six two two two" is one number: the spaces between the words go
                        }
                        for (int w = i; w < end; ) {
                            int spelled = SpelledDigits.numberWordAt(letters, w, end);
                            if (origin != null) {
                                origin[o] = w;
                            }
                            out[o++] = (char) ('0' + (spelled & 0xFF));
                            w += spelled >>> 8;
                        }
                        wordDigit = o - 1;
                        i = end;
                        continue;
                    }
                }
            }
            if ((ch == 'X' || ch == 'x') && wordDigit >= 0 && (i + 1 == n || !letter(source.charAt(i + 1)))
                    && !letter(source.charAt(i - 1)) && nearest(out, o, -1, o) == wordDigit
                    && SpelledDigits.spokenTogether(out, wordDigit + 1, o)) {
                o = wordDigit + 1; // "… zero zero two X": the check letter said after the words
            }
            if (same(ch)) {
                out[o] = ch;
                i++;
            } else if ((ch == '\\' || ch == '%' || ch == '&') && escapeLength(source, i) > 0) {
                int cp = escapedChar(source, i);
                i += escapeLength(source, i);
                // An escaped surrogate pair ("\ud835\udfd2", as json.dumps writes a mathematical digit) is one char.
                if (cp <= 0xFFFF && Character.isHighSurrogate((char) cp) && i + 1 < n && source.charAt(i) == '\\'
                        && source.charAt(i + 1) == 'u' && escaped(source, i) >= 0
                        && Character.isLowSurrogate((char) escaped(source, i))) {
                    cp = Character.toCodePoint((char) cp, (char) escaped(source, i));
                    i += 6;
                }
                // An escaped NUL is a client's char like any control char: a space. Only the walk itself writes
                // the NUL that marks where one text ends and the next begins.
                int read = cp == 0 ? ' ' : map(cp);
                if (cp > 0 && cp <= 0xFFFF && read != cp && chineseNumeral((char) cp)) {
                    numerals = noted(numerals, o, (char) cp);
                }
                if (read < 0) {
                    continue;
                }
                out[o] = read > 0xFFFF || Character.isSurrogate((char) read) ? '?' : (char) read;
            } else if (!Character.isSurrogate(ch)) {
                char read = READ_AS[ch];
                if (read != ch && chineseNumeral(ch)) {
                    numerals = noted(numerals, o, ch);
                }
                i++;
                if (read == DROP) {
                    continue;
                }
                out[o] = read;
            } else {
                int cp = source.codePointAt(i);
                int width = Character.charCount(cp);
                int mapped = map(cp);
                i += width;
                if (mapped < 0) {
                    continue;
                }
                if (mapped == cp && width == 2) {
                    if (origin != null) {
                        origin[o] = at;
                    }
                    out[o++] = source.charAt(at);
                    at++;
                    out[o] = source.charAt(at);
                } else {
                    out[o] = (char) mapped;
                }
            }
            if (origin != null) {
                origin[o] = at;
            }
            o++;
        }
        if (origin != null) {
            origin[o] = n;
        }
        if (numerals != null) {
            keepLoneNumerals(out, o, numerals);
        }
        // From the start, not from the first char read differently: a letter before it is judged by the chars it
        // stands between as they are read ("6222 O\u200B212"), as the whole text would be.
        for (int k = 0; k < o; k++) {
            if (lookalike(out[k])) {
                int end = lookalikeRunEnd(out, k, o);
                if (runBetweenDigits(out, k, end, o)) {
                    for (int m = k; m < end; m++) {
                        out[m] = out[m] == 'I' ? '1' : '0';
                    }
                }
                k = end - 1;
            }
        }
        return o;
    }

    /** Every char's original offset: worked out again only when something was found in a text that changed. */
    private int[] origins() {
        if (origin == null) {
            int[] o = new int[source.length() + 1];
            read(source, new char[source.length()], 0, o);
            origin = o;
        }
        return origin;
    }

    /** Every maximal run of ASCII digits, as {@code [start, end)} pairs, found once. */
    int[] digitRuns() {
        if (digitRuns == null) {
            int[] runs = new int[16];
            int count = 0;
            int i = 0;
            while (i < length) {
                if (array[i] < '0' || array[i] > '9') {
                    i++;
                    continue;
                }
                int j = i + 1;
                while (j < length && array[j] >= '0' && array[j] <= '9') {
                    j++;
                }
                if (count + 2 > runs.length) {
                    runs = java.util.Arrays.copyOf(runs, runs.length * 2);
                }
                runs[count++] = i;
                runs[count++] = j;
                i = j;
            }
            digitRuns = java.util.Arrays.copyOf(runs, count);
        }
        return digitRuns;
    }

    /**
     * The character a JSON escape inside a text stands for — tool-call arguments are JSON written into a string, so
     * a model reads {@code "6222\n0212"} there as a line break between digits — or -1 when this is no escape.
     */
    private static int escaped(String text, int at) {
        char next = text.charAt(at + 1);
        if (next == 'n' || next == 't' || next == 'r' || next == 'f' || next == 'b') {
            return ' ';
        }
        if (next == 'u' && hex(text, at + 2)) {
            return Integer.parseInt(text, at + 2, at + 6, 16);
        }
        return -1;
    }

    /**
     * How many chars an escape at {@code at} takes, or 0 when none starts there: a JSON escape inside a text, an ASCII
     * byte percent-encoded as a URL writes it ({@code %36%32}, {@code 6222%200212}), an HTML character reference
     * ({@code &#54;}, {@code &#x36;}, {@code &nbsp;}, {@code &commat;}). A model reads each as the char it stands for.
     */
    static int escapeLength(String text, int at) {
        char ch = text.charAt(at);
        int n = text.length();
        if (ch == '\\') {
            return at + 1 < n && escaped(text, at) >= 0 ? text.charAt(at + 1) == 'u' ? 6 : 2 : 0;
        }
        if (ch == '%') {
            return at + 2 < n && percentByte(text.charAt(at + 1), text.charAt(at + 2)) >= 0 ? 3 : 0;
        }
        return ch == '&' ? referenceLength(text, at) : 0;
    }

    /** The char of the escape at {@code at}, which {@link #escapeLength} found. */
    static int escapedChar(String text, int at) {
        char ch = text.charAt(at);
        if (ch == '\\') {
            return escaped(text, at);
        }
        if (ch == '%') {
            return Integer.parseInt(text, at + 1, at + 3, 16);
        }
        if (text.charAt(at + 1) == '#') {
            boolean hexadecimal = text.charAt(at + 2) == 'x' || text.charAt(at + 2) == 'X';
            int from = at + (hexadecimal ? 3 : 2);
            return Integer.parseInt(text, from, text.indexOf(';', from), hexadecimal ? 16 : 10);
        }
        return NAMED.get(text.substring(at + 1, text.indexOf(';', at)));
    }

    /** The named references that write a separator, a dot or an at sign. */
    private static final java.util.Map<String, Integer> NAMED = java.util.Map.of("nbsp", (int) ' ', "ensp", (int) ' ',
            "emsp", (int) ' ', "thinsp", (int) ' ', "commat", (int) '@', "period", (int) '.', "hyphen", (int) '-',
            "dash", (int) '-', "sol", (int) '/', "lowbar", (int) '_');

    /** The length of an HTML character reference at {@code at} (ending in its semicolon), or 0. */
    private static int referenceLength(String text, int at) {
        int n = text.length();
        if (at + 3 < n && text.charAt(at + 1) == '#') {
            boolean hexadecimal = text.charAt(at + 2) == 'x' || text.charAt(at + 2) == 'X';
            int from = at + (hexadecimal ? 3 : 2);
            int k = from;
            long value = 0;
            while (k < n && k - from < 7 && Character.digit(text.charAt(k), hexadecimal ? 16 : 10) >= 0) {
                value = value * (hexadecimal ? 16 : 10) + Character.digit(text.charAt(k), hexadecimal ? 16 : 10);
                k++;
            }
            return k > from && k < n && text.charAt(k) == ';' && value > 0 && value <= Character.MAX_CODE_POINT
                    ? k + 1 - at : 0;
        }
        int k = at + 1;
        while (k < n && k - at <= 7 && text.charAt(k) >= 'a' && text.charAt(k) <= 'z') {
            k++;
        }
        return k < n && text.charAt(k) == ';' && NAMED.containsKey(text.substring(at + 1, k)) ? k + 1 - at : 0;
    }

    private static boolean hex(CharSequence text, int from) {
        if (from + 4 > text.length()) {
            return false;
        }
        for (int k = from; k < from + 4; k++) {
            if (Character.digit(text.charAt(k), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The Chinese numerals {@link #map} reads as digits, as a bit per BMP char (a look-up, not a script search). */
    private static final long[] NUMERALS = new long[0x10000 / 64];

    static {
        for (char c : "〇零一壹幺二贰貳两兩三叁參四肆五伍六陆陸七柒八捌九玖".toCharArray()) {
            NUMERALS[c >>> 6] |= 1L << c;
        }
    }

    /** Whether {@code c} is one of the Chinese numerals {@link #map} reads as a digit. */
    private static boolean chineseNumeral(char c) {
        return (NUMERALS[c >>> 6] & (1L << c)) != 0;
    }

    /**
     * A letter drawn like a digit — O and o like 0, I like 1 — which beside digits a reader takes for the digit
     * ("622202I234567894", "138OO138OOO"). No code the detectors know has one there: credit codes leave out I and O.
     * Not a lower-case l: a credit code may hold an L, written in either case.
     */
    private static boolean lookalike(char c) {
        return c == 'O' || c == 'o' || c == 'I';
    }

    static boolean letter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    /** A char that may stand between a number's groups: a separator, a comma, a plus. */
    static boolean joins(char c) {
        return NumberTokens.separator(c) || c == ',' || c == '+';
    }

    /** The end of the run of lookalike letters that starts at {@code i}. */
    private static int lookalikeRunEnd(char[] t, int i, int n) {
        int end = i;
        while (end < n && lookalike(t[end])) {
            end++;
        }
        return end;
    }

    /**
     * Whether the run of lookalike letters {@code [start, end)} stands between digits on both sides, past up to four
     * separators ("138OO138OOO0", "6222 O212"): part of a number. Glued to one side only ("13800138000o",
     * "I6222…") it is a letter next to a number, which the detectors read past; among letters, part of a word.
     */
    private static boolean runBetweenDigits(char[] t, int start, int end, int n) {
        int left = start - 1;
        while (left >= 0 && start - left <= 5 && joins(t[left])) {
            left--;
        }
        int right = end;
        while (right < n && right - end < 5 && joins(t[right])) {
            right++;
        }
        return left >= 0 && t[left] >= '0' && t[left] <= '9' && right < n && t[right] >= '0' && t[right] <= '9';
    }

    /**
     * Whether the char at {@code i} is a Chinese numeral that the reading would leave as it is: prose on both sides
     * ("一个", "第三季度"), so Chinese text is still read in place. Anything less certain is read the slow way.
     */
    private static boolean loneInProse(char[] in, int i, int n) {
        char c = in[i];
        if (c < 0x3007 || !chineseNumeral(c)) {
            return false;
        }
        return (i == 0 || prose(in[i - 1])) && (i + 1 == n || prose(in[i + 1]));
    }

    /** A Han character that is no numeral, or Chinese punctuation: a numeral beside it is a word. */
    private static boolean prose(char c) {
        return c >= 0x4E00 && c <= 0x9FFF && !chineseNumeral(c) || c >= 0x3001 && c <= 0x3002 || c >= 0xFF01
                && c <= 0xFF1F && READ_AS[c] == c;
    }

    /** Whether a percent-encoded byte {@link #escapeLength} decodes starts at {@code i}. */
    private static boolean percentEscape(char[] in, int i, int n) {
        return i + 2 < n && percentByte(in[i + 1], in[i + 2]) >= 0;
    }

    /**
     * The char a percent-encoded byte stands for, when it is one a number or an address is written with — a digit,
     * a space, {@code + , - . / _ @} — else -1. Not letters or control chars: "%6222…" is a percent sign before a card
     * number, not a "b" and its last fourteen digits.
     */
    private static int percentByte(char high, char low) {
        int h = Character.digit(high, 16);
        int l = Character.digit(low, 16);
        if (h < 0 || l < 0) {
            return -1;
        }
        int b = h * 16 + l;
        return b >= '0' && b <= '9' || b == ' ' || b == '+' || b == ',' || b == '-' || b == '.' || b == '/'
                || b == '_' || b == '@' ? b : -1;
    }

    /** Whether an HTML character reference may start at {@code i}: the slow reading then decides. */
    private static boolean mayBeReference(char[] in, int i, int n) {
        return i + 1 < n && (in[i + 1] == '#' || in[i + 1] >= 'a' && in[i + 1] <= 'z');
    }

    /** Notes that output char {@code o} is numeral {@code c} read as a digit. */
    private static int[] noted(int[] numerals, int o, char c) {
        int[] list = numerals == null ? new int[9] : numerals;
        int count = list[0];
        if (2 * count + 2 >= list.length) {
            list = java.util.Arrays.copyOf(list, list.length * 2 + 1);
        }
        list[2 * count + 1] = o;
        list[2 * count + 2] = c;
        list[0] = count + 1;
        return list;
    }

    /**
     * A numeral read as a digit stays a digit only next to another numeral — a number spelled in numerals ("六二二二",
     * "6222 零二一二 3456") — or between digits on both sides ("345六 7894"), past separators and invisible chars as
     * the text is read. One beside a number on one side only is a word's first char ("13800138000一直打不通",
     * "两个", "三天"), and one alone is a word ("后四位是002X"): read as itself, it neither lengthens a number nor
     * stands as one between a value's two parts.
     */
    private static void keepLoneNumerals(char[] out, int length, int[] numerals) {
        int count = numerals[0];
        boolean[] numeral = new boolean[length];
        for (int k = 0; k < count; k++) {
            numeral[numerals[2 * k + 1]] = true;
        }
        boolean[] lone = new boolean[count];
        for (int k = 0; k < count; k++) {
            int at = numerals[2 * k + 1];
            int left = nearest(out, at, -1, length);
            int right = nearest(out, at, 1, length);
            boolean leftDigit = left >= 0 && out[left] >= '0' && out[left] <= '9';
            boolean rightDigit = right >= 0 && out[right] >= '0' && out[right] <= '9';
            lone[k] = !(leftDigit && numeral[left] || rightDigit && numeral[right] || leftDigit && rightDigit);
        }
        for (int k = 0; k < count; k++) {
            if (lone[k]) {
                out[numerals[2 * k + 1]] = (char) numerals[2 * k + 2];
            }
        }
    }

    /** The first char from {@code at} in direction {@code step} past up to four separators, or -1. */
    static int nearest(char[] out, int at, int step, int length) {
        for (int k = at + step, seen = 0; k >= 0 && k < length && seen <= 4; k += step, seen++) {
            char c = out[k];
            if (!joins(c)) {
                return k;
            }
        }
        return -1;
    }

    /** The char a code point is read as, the code point itself, or -1 to drop it. */
    static int map(int cp) {
        if (cp < 0x80) {
            // ASCII: the detectors know its separators (tabs, line breaks, backslash) as they are; other control
            // chars read as a space (NUL stays: the walk's own mark between texts, never a client's).
            return cp < 0x20 && cp != 0 && cp != '\n' && cp != '\t' && cp != '\r' || cp == 0x7F ? ' ' : cp;
        }
        if (cp >= 0xFE00 && cp <= 0xFE0F || cp >= 0xE0100 && cp <= 0xE01EF || cp == 0x034F || cp == 0x115F
                || cp == 0x1160 || cp == 0x17B4 || cp == 0x17B5) {
            return -1; // variation selectors, the combining grapheme joiner, fillers: invisible
        }
        if (Character.getType(cp) == Character.CONTROL || cp == 0x2800 || cp == 0x3164 || cp == 0xFFA0) {
            return ' '; // next line (U+0085) and other controls, blank braille and Hangul fillers
        }
        int digit = Character.digit(cp, 10);
        if (digit >= 0 && Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER) {
            return '0' + digit;
        }
        if (cp >= 0xFF01 && cp <= 0xFF5E) {
            // Full-width letters, digits and the marks that join or hold values read as ASCII; full-width prose
            // punctuation (，：；（）！？) stays itself, so Chinese text is read in place.
            int ascii = cp - 0xFEE0;
            return Character.isLetterOrDigit(ascii) || "@-./_\\+#".indexOf(ascii) >= 0 ? map(ascii) : cp;
        }
        if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
            return ' ';
        }
        if (cp >= 0xE0020 && cp <= 0xE007E) {
            // Tag characters: invisible on screen, but each is an ASCII char a model can read ("ASCII smuggling"),
            // so they read as that char.
            return cp - 0xE0000;
        }
        switch (Character.getType(cp)) {
            case Character.FORMAT:
                return -1; // zero-width space, joiners, soft hyphen, BOM, direction marks: invisible
            case Character.NON_SPACING_MARK:
            case Character.ENCLOSING_MARK:
                // A mark drawn on the char before it — a strike-through, an accent, a keycap's frame (6️⃣) —
                // leaves that char as a reader sees it.
                return -1;
            case Character.OTHER_NUMBER: {
                // A digit in another form — superscript, subscript, circled, parenthesised, with a full stop
                // (² ₂ ② ⑵ ⒉ ❷) — reads as the digit; numbers above nine (⑩) and fractions (½) stay themselves.
                int value = Character.getNumericValue(cp);
                return value >= 0 && value <= 9 ? '0' + value : cp;
            }
            case Character.DASH_PUNCTUATION:
                return '-';
            case Character.CONNECTOR_PUNCTUATION:
                return '_';
            default:
                break;
        }
        return switch (cp) {
            case 0x2212, 0x2043, 0x2011 -> '-';
            case 0x00B7, 0x2022, 0x2024, 0x2027, 0x30FB, 0xFE52, 0x2219 -> '.'; // not 。: it ends a sentence
            case 0x2044, 0x2215, 0x29F8, 0x29F9 -> '/';
            case 0xFE6B -> '@'; // the small commercial at (full-width ＠ is read as @ above)
            // Chinese numerals, plain and financial (大写), and the 幺 of a spoken 1: a number spelled in them
            // ("六二二二零二一二…", "幺三八…") is read as its digits. Prose keeps them apart ("一个", "二〇二四年").
            case 0x3007, 0x96F6 -> '0'; // 〇 零
            case 0x4E00, 0x58F9, 0x5E7A -> '1'; // 一 壹 幺
            case 0x4E8C, 0x8D30, 0x8CB3, 0x4E24, 0x5169 -> '2'; // 二 贰 貳 两 兩
            case 0x4E09, 0x53C1, 0x53C3 -> '3'; // 三 叁 參
            case 0x56DB, 0x8086 -> '4'; // 四 肆
            case 0x4E94, 0x4F0D -> '5'; // 五 伍
            case 0x516D, 0x9646, 0x9678 -> '6'; // 六 陆 陸
            case 0x4E03, 0x67D2 -> '7'; // 七 柒
            case 0x516B, 0x634C -> '8'; // 八 捌
            case 0x4E5D, 0x7396 -> '9'; // 九 玖
            default -> cp;
        };
    }

    String chars() {
        if (chars == null) {
            // Read as it was written (the usual case): the source is those very chars, no copy needed.
            chars = changed || source == null ? new String(array, 0, length) : source;
        }
        return chars;
    }

    int length() {
        return length;
    }

    /**
     * The text as it was written, offsets the original's: for what the reading would change though a model reads it
     * otherwise — base64, whose letters are no lookalike digits and no spelled words ({@link EncodedTexts}).
     */
    boolean mayHoldBase64() {
        return base64;
    }

    CharSequence written() {
        return source != null ? source : java.nio.CharBuffer.wrap(array, 0, length);
    }

    /** Whether char {@code ch} is in the text. */
    boolean has(char ch) {
        for (int i = 0; i < length; i++) {
            if (array[i] == ch) {
                return true;
            }
        }
        return false;
    }

    char charAt(int i) {
        return array[i];
    }

    /** The chars themselves (the first {@link #length()} of them); never modify them. */
    char[] array() {
        return array;
    }

    /** The original offset of normalized char {@code i}; {@code length()} maps to the original's length. */
    int origin(int i) {
        return changed ? origins()[i] : i;
    }

    /**
     * The original offset just after normalized char {@code i}: where the next char read starts, so a span also
     * covers the invisible characters and escapes that end it.
     */
    int originAfter(int i) {
        return changed ? origins()[i + 1] : i + 1;
    }
}
