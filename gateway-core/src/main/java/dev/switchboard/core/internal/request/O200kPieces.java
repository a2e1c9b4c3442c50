package dev.switchboard.core.internal.request;

/**
 * Splits text into the pieces that the {@code o200k_base} tokenizer encodes one by one — what its pre-tokenizing
 * regular expression does, written out by hand because that expression is the slowest part of counting tokens
 * (jtokkit does the same for {@code cl100k_base}; it has no hand-written splitter for o200k). The expression, as
 * jtokkit compiles it with {@code UNICODE_CHARACTER_CLASS}, is seven alternatives tried in order:
 *
 * <pre>
 * 1  [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 * 2  [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 * 3  \p{N}{1,3}
 * 4   ?[^\s\p{L}\p{N}]+[\r\n/]*
 * 5  \s*[\r\n]+
 * 6  \s+(?!\S)
 * 7  \s+
 * </pre>
 *
 * Each method below is one alternative, including the backtracking the regex engine would do; the test
 * {@code O200kPiecesTest} holds them to the regex itself on crafted and random text across the Unicode categories
 * involved. Every code point is matched by some alternative (any character that is not white space, a letter or a
 * number is taken by 4), so pieces tile the text.
 */
final class O200kPieces {
    private O200kPieces() {
    }

    /** The end (exclusive) of the piece that starts at {@code start}, which must be below {@code text.length()}. */
    static int end(String text, int start) {
        int e = letters(text, start, true);
        if (e < 0) {
            e = letters(text, start, false);
        }
        if (e < 0) {
            e = numbers(text, start);
        }
        if (e < 0) {
            e = punctuation(text, start);
        }
        if (e < 0) {
            e = whiteSpace(text, start);
        }
        return e;
    }

    /**
     * Alternatives 1 ({@code lowerTail}: upper-case run, then at least one lower-case) and 2 (at least one
     * upper-case, then any lower-case), each with its optional leading character and contraction.
     */
    private static int letters(String s, int i, boolean lowerTail) {
        int cp = s.codePointAt(i);
        if (isPrefix(cp)) {
            // The optional prefix is greedy: with it first, and without it only if that fails.
            int e = letterCore(s, i + Character.charCount(cp), lowerTail);
            if (e >= 0) {
                return contraction(s, e);
            }
        }
        int e = letterCore(s, i, lowerTail);
        return e < 0 ? -1 : contraction(s, e);
    }

    private static int letterCore(String s, int i, boolean lowerTail) {
        int n = s.length();
        // The upper-case class [Lu Lt Lm Lo M], greedy; note where the last character that is also in the
        // lower-case class [Ll Lm Lo M] ends, for the backtracking of alternative 1.
        int j = i;
        int afterLastLower = -1;
        while (j < n) {
            int cp = s.codePointAt(j);
            if (!isUpperClass(cp)) {
                break;
            }
            j += Character.charCount(cp);
            if (isLowerClass(cp)) {
                afterLastLower = j;
            }
        }
        boolean lowerNext = j < n && isLowerClass(s.codePointAt(j));
        if (lowerTail) {
            if (lowerNext) {
                return lowerRun(s, j);
            }
            // The lower-case run must take at least one character: the regex gives characters back from the
            // upper-case run until one of them is also lower-case; that one alone ends the match.
            return afterLastLower;
        }
        if (j == i) {
            return -1;
        }
        return lowerNext ? lowerRun(s, j) : j;
    }

    private static int lowerRun(String s, int j) {
        int n = s.length();
        while (j < n) {
            int cp = s.codePointAt(j);
            if (!isLowerClass(cp)) {
                break;
            }
            j += Character.charCount(cp);
        }
        return j;
    }

    /** {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)?} after a letter run; the first alternative that matches wins. */
    private static int contraction(String s, int i) {
        int n = s.length();
        if (i >= n || s.charAt(i) != '\'' || i + 1 >= n) {
            return i;
        }
        char a = s.charAt(i + 1);
        if (same(a, 's') || same(a, 't') || same(a, 'm') || same(a, 'd')) {
            return i + 2;
        }
        if (i + 2 < n) {
            char b = s.charAt(i + 2);
            if ((same(a, 'r') && same(b, 'e')) || (same(a, 'v') && same(b, 'e')) || (same(a, 'l') && same(b, 'l'))) {
                return i + 3;
            }
        }
        return i;
    }

    /**
     * Case-insensitive comparison the way {@code java.util.regex} does it under {@code UNICODE_CASE} (which
     * {@code UNICODE_CHARACTER_CLASS} implies), so that e.g. U+017F LONG S matches {@code s}.
     */
    private static boolean same(char c, char lower) {
        return c == lower || Character.toLowerCase(Character.toUpperCase(c)) == lower;
    }

    /** Alternative 3: one to three numbers. */
    private static int numbers(String s, int i) {
        int n = s.length();
        int j = i;
        for (int k = 0; k < 3 && j < n; k++) {
            int cp = s.codePointAt(j);
            if (!isNumber(cp)) {
                break;
            }
            j += Character.charCount(cp);
        }
        return j == i ? -1 : j;
    }

    /** Alternative 4: an optional space, a run of other characters, then any line breaks and slashes. */
    private static int punctuation(String s, int i) {
        int n = s.length();
        int j = s.charAt(i) == ' ' ? i + 1 : i;
        int k = j;
        while (k < n) {
            int cp = s.codePointAt(k);
            if (isWhiteSpace(cp) || Character.isLetter(cp) || isNumber(cp)) {
                break;
            }
            k += Character.charCount(cp);
        }
        if (k == j) {
            return -1; // after a space there must be one; without it, a space is white space, not this class
        }
        while (k < n) {
            char c = s.charAt(k);
            if (c != '\r' && c != '\n' && c != '/') {
                break;
            }
            k++;
        }
        return k;
    }

    /** Alternatives 5, 6 and 7: white space up to its last line break, else all but the last, else all of it. */
    private static int whiteSpace(String s, int i) {
        int n = s.length();
        int j = i;
        int afterLastBreak = -1;
        while (j < n) {
            int cp = s.codePointAt(j);
            if (!isWhiteSpace(cp)) {
                break;
            }
            j += Character.charCount(cp);
            if (cp == '\r' || cp == '\n') {
                afterLastBreak = j;
            }
        }
        if (j == i) {
            throw new IllegalStateException("no o200k alternative matches at " + i); // unreachable: see class doc
        }
        if (afterLastBreak >= 0) {
            return afterLastBreak;
        }
        if (j == n) {
            return j;
        }
        // \s+(?!\S): give back the last white space character, which then leads the next piece.
        int beforeLast = j - Character.charCount(s.codePointBefore(j));
        return beforeLast > i ? beforeLast : j;
    }

    /** {@code [^\r\n\p{L}\p{N}]}: the optional character before a letter run. */
    private static boolean isPrefix(int cp) {
        return cp != '\r' && cp != '\n' && !Character.isLetter(cp) && !isNumber(cp);
    }

    /** {@code [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]}. */
    private static boolean isUpperClass(int cp) {
        int t = Character.getType(cp);
        return t == Character.UPPERCASE_LETTER || t == Character.TITLECASE_LETTER || t == Character.MODIFIER_LETTER
                || t == Character.OTHER_LETTER || isMarkType(t);
    }

    /** {@code [\p{Ll}\p{Lm}\p{Lo}\p{M}]}. */
    private static boolean isLowerClass(int cp) {
        int t = Character.getType(cp);
        return t == Character.LOWERCASE_LETTER || t == Character.MODIFIER_LETTER || t == Character.OTHER_LETTER
                || isMarkType(t);
    }

    private static boolean isMarkType(int t) {
        return t == Character.NON_SPACING_MARK || t == Character.ENCLOSING_MARK
                || t == Character.COMBINING_SPACING_MARK;
    }

    /** {@code \p{N}}. */
    private static boolean isNumber(int cp) {
        int t = Character.getType(cp);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    /** {@code \s} under {@code UNICODE_CHARACTER_CLASS}: the Unicode White_Space property. */
    private static boolean isWhiteSpace(int cp) {
        if (cp >= 0x9 && cp <= 0xd || cp == 0x20 || cp == 0x85) {
            return true;
        }
        if (cp < 0x80) {
            return false;
        }
        int t = Character.getType(cp);
        return t == Character.SPACE_SEPARATOR || t == Character.LINE_SEPARATOR || t == Character.PARAGRAPH_SEPARATOR;
    }
}
