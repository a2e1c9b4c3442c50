package dev.switchboard.core.internal.compliance;

/**
 * Digits spelled as English words — {@code six two two two …}, {@code Six-Two}, glued {@code sixtwotwo}, {@code oh}
 * for a spoken zero — as {@link NormalizedText} reads them: which words make a chain, and when a chain is read as
 * its digits (three words or more, two beside a digit, any between digits or glued to a number), so that one or
 * two words in prose stay words ("one or two", "Oh, one more thing"). The reading writes the digits; this class
 * only tells words and chains apart, over the chars as given (before the reading) or as read one by one.
 */
final class SpelledDigits {
    private SpelledDigits() {
    }

    /** English digit words, each with its digit: "oh" is a spoken zero. */
    private static final char[][] NUMBER_WORDS = {"zero".toCharArray(), "oh".toCharArray(), "one".toCharArray(),
        "two".toCharArray(), "three".toCharArray(), "four".toCharArray(), "five".toCharArray(), "six".toCharArray(),
        "seven".toCharArray(), "eight".toCharArray(), "nine".toCharArray()};
    private static final char[] NUMBER_WORD_DIGITS = {'0', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'};
    /** No value is longer than twenty digits; a longer run of letters is no number spelled out. */
    private static final int LONGEST_SPELLED = 20 * 5;

    /** Whether an English digit word may start with {@code c}: z, o, t, f, s, e, n in either case. */
    static boolean startsNumberWord(char c) {
        char lower = (char) (c | 0x20);
        return NormalizedText.letter(c) && (lower == 'z' || lower == 'o' || lower == 't' || lower == 'f' || lower == 's'
                || lower == 'e' || lower == 'n');
    }

    /** The end of the run of Latin letters from {@code i}. */
    static int letterRunEnd(char[] t, int i, int n) {
        int end = i;
        while (end < n && NormalizedText.letter(t[end])) {
            end++;
        }
        return end;
    }

    /**
     * The English digit word at {@code at} within {@code [at, end)}, either case, as its length shifted by 8 over its
     * digit's value, or -1. No digit word starts another, so a run of them glued together reads one way only.
     */
    static int numberWordAt(char[] t, int at, int end) {
        int first;
        int last;
        switch (t[at] | 0x20) {
            case 'z' -> { first = 0; last = 0; }
            case 'o' -> { first = 1; last = 2; }
            case 't' -> { first = 3; last = 4; }
            case 'f' -> { first = 5; last = 6; }
            case 's' -> { first = 7; last = 8; }
            case 'e' -> { first = 9; last = 9; }
            case 'n' -> { first = 10; last = 10; }
            default -> {
                return -1;
            }
        }
        for (int w = first; w <= last; w++) {
            char[] word = NUMBER_WORDS[w];
            if (at + word.length > end) {
                continue;
            }
            int k = 1;
            while (k < word.length && (t[at + k] | 0x20) == word[k]) {
                k++;
            }
            if (k == word.length) {
                return word.length << 8 | (NUMBER_WORD_DIGITS[w] - '0');
            }
        }
        return -1;
    }

    /**
     * How many English digit words the letters {@code [from, to)} are made of ("six", "SixTwo", "twotwo"), or 0 when
     * they are anything else ("sixty", "often", "the").
     */
    static int numberWords(char[] t, int from, int to) {
        if (to - from < 2 || to - from > LONGEST_SPELLED) {
            return 0;
        }
        int count = 0;
        for (int at = from; at < to; count++) {
            int word = numberWordAt(t, at, to);
            if (word < 0) {
                return 0;
            }
            at += word >>> 8;
        }
        return count;
    }

    /** What {@link #neighbour} returns where an escape starts and no source was given to read it: not known. */
    private static final int UNKNOWN = -2;

    /**
     * The first char from {@code at} on past up to four separators or commas — escapes that write one among them
     * ({@code \\n}, {@code %20}, {@code &nbsp;}) — and any invisible chars, or -1. Escapes are read from {@code source}
     * (the same chars as {@code t}); without one, an escape's first char gives {@link #UNKNOWN}.
     */
    private static int neighbour(char[] t, String source, int at, int n) {
        int k = at;
        for (int seen = 0; k < n && seen <= 4; ) {
            char c = t[k] < 0x80 ? t[k] : NormalizedText.READ_AS[t[k]];
            if (c == '\\' || c == '%' || c == '&') {
                if (source == null) {
                    return UNKNOWN;
                }
                int length = NormalizedText.escapeLength(source, k);
                if (length == 0) {
                    return k;
                }
                int cp = NormalizedText.escapedChar(source, k);
                int read = cp == 0 ? ' ' : NormalizedText.map(cp);
                if (read >= 0 && !(NumberTokens.separator((char) read) || read == ',' || read == '+')) {
                    return k;
                }
                k += length;
                seen += read < 0 ? 0 : 1;
            } else if (c == NormalizedText.DROP) {
                k++;
            } else if (NormalizedText.joins(c)) {
                k++;
                seen++;
            } else {
                return k;
            }
        }
        return -1;
    }

    /**
     * Where the chain of digit words that starts with the word at {@code i} ends when its words are read as digits,
     * or -1: words one after another past separators (glued ones count each), read as digits when there are three
     * or more ("one two three", "zero zero two X"), two beside a digit, or any beside digits on both sides or glued
     * to one ("6222 zero 212", "789four"). One or two alone stay words ("one or two", "Oh, one more thing"). The
     * digit before the chain is {@code left} in {@code out}, whose next char is {@code o} ({@code left} -1: none).
     * Without a {@code source} (the look before the reading, over chars as given) what it cannot tell — an escape, a
     * full-width letter — counts as kept: the reading then decides.
     */
    static int keptChain(char[] t, String source, int i, int n, int left, int o, char[] out) {
        int count = 0;
        int end = i;
        for (int at = i; ; ) {
            int runEnd = letterRunEnd(t, at, n);
            int words = numberWords(t, at, runEnd);
            if (words == 0) {
                break;
            }
            count += words;
            end = runEnd;
            int next = neighbour(t, source, runEnd, n);
            if (next == UNKNOWN) {
                return end;
            }
            if (next < 0 || !NormalizedText.letter(t[next] < 0x80 ? t[next] : NormalizedText.READ_AS[t[next]])) {
                break;
            }
            if (t[next] >= 0x80) {
                return end; // a full-width letter: only the look before the reading meets one here
            }
            at = next;
        }
        boolean leftDigit = left >= 0 && out[left] >= '0' && out[left] <= '9';
        int right = neighbour(t, source, end, n);
        if (right == UNKNOWN) {
            return end;
        }
        boolean rightDigit = right >= 0 && digitAt(t, source, right, n);
        boolean kept = count >= 3 || leftDigit && rightDigit || leftDigit && left == o - 1
                || rightDigit && right == end || count == 2 && (leftDigit || rightDigit);
        return kept ? end : -1;
    }

    /**
     * The source's chars each as read alone: full-width letters as ASCII, invisible ones as
     * {@link NormalizedText#DROP}.
     */
    static char[] folded(String source) {
        char[] t = source.toCharArray();
        for (int k = 0; k < t.length; k++) {
            if (t[k] >= 0x80 && !Character.isSurrogate(t[k])) {
                t[k] = NormalizedText.READ_AS[t[k]];
            }
        }
        return t;
    }

    /**
     * Whether the chars {@code [from, to)} between two digit words are spaces, hyphens or commas: the words are one
     * number spoken ("six, two, two, two"). A full stop or a line break between them still ends a sentence.
     */
    static boolean spokenTogether(char[] out, int from, int to) {
        for (int k = from; k < to; k++) {
            if (out[k] != ' ' && out[k] != '-' && out[k] != ',') {
                return false;
            }
        }
        return true;
    }

    /** Whether a digit of any form starts at {@code at}: a surrogate pair (a mathematical digit), an escape. */
    private static boolean digitAt(char[] t, String source, int at, int n) {
        char c = t[at];
        if (Character.isHighSurrogate(c) && at + 1 < n) {
            int mapped = NormalizedText.map(Character.toCodePoint(c, t[at + 1]));
            return mapped >= '0' && mapped <= '9';
        }
        if (source != null && (c == '\\' || c == '%' || c == '&') && NormalizedText.escapeLength(source, at) > 0) {
            int mapped = NormalizedText.map(NormalizedText.escapedChar(source, at));
            return mapped >= '0' && mapped <= '9';
        }
        return NormalizedText.READ_AS[c] >= '0' && NormalizedText.READ_AS[c] <= '9';
    }

    /**
     * Where the first chain of English digit words the reading may read as digits starts, among the words that start
     * in {@code [from, limit)} (a run of letters, digits and marks: "789four", "Six-Two-Two"), or -1. The reading
     * decides exactly ({@link #keptChain}); this only finds where it must begin.
     */
    static int firstNumberWord(char[] in, int from, int limit, int n) {
        int i = from;
        while (i < limit) {
            char c = in[i];
            if (!NormalizedText.letter(c)) {
                i++;
                continue;
            }
            int end = letterRunEnd(in, i, n);
            if (startsNumberWord(c) && numberWords(in, i, end) > 0
                    && keptChain(in, null, i, n, NormalizedText.nearest(in, i, -1, n), i, in) >= 0) {
                return i;
            }
            i = end;
        }
        return -1;
    }
}
