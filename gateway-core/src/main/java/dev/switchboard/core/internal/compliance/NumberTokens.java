package dev.switchboard.core.internal.compliance;

import java.util.ArrayList;
import java.util.List;

/**
 * The numbers of a normalized text, as a reader sees them: groups of digits joined by any run of separators —
 * spaces of every kind, line breaks, dots, dashes, slashes, backslashes, underscores; a dot followed by a space
 * or a line break ends a sentence and joins nothing; digits running straight into Latin letters are a code's, not
 * a number — so {@code 6222 0212.3456_7894}
 * and {@code 110105-19491231-002X} are each one token of several groups. A group may end in the resident ID's check
 * letter {@code X} (either case) when no Latin letter or digit follows it; the token ends there.
 */
final class NumberTokens {
    /** The hard boundary between texts that must never be read as one (an object key and the next value). */
    static final char BOUNDARY = '\u0000';

    /**
     * One token: its groups' normalized offsets ({@code [start, end)} pairs) and how many digits they hold. The
     * digits themselves are read from the text only when a check needs them: most numbers in prose (dates, amounts)
     * are judged by their length alone.
     */
    static final class Token {
        final int[] groups;
        private final int groupCount;
        private final int digitCount;
        /** Digits before each group (prefix sums), for cutting windows out of {@link #digits()}. */
        final int[] before;
        private final boolean endsWithX;
        private final char[] text;
        private String digits;
        /** Whether it is a date: 0 not yet known, 1 yes, 2 no. */
        private byte date;

        Token(char[] text, int[] groups, int groupCount, int[] before, boolean endsWithX) {
            this.text = text;
            this.groups = groups;
            this.groupCount = groupCount;
            this.before = before;
            this.digitCount = before[groupCount];
            this.endsWithX = endsWithX;
        }

        int groupCount() {
            return groupCount;
        }

        /** Digits in all groups (the X not counted). */
        int digitCount() {
            return digitCount;
        }

        /**
         * Whether it ends with an X: the check character of a resident ID when 17 digits come before it, else a
         * letter glued to the number ("6222…7894X"), which the checks read past.
         */
        boolean endsWithX() {
            return endsWithX;
        }

        /** All its digits, in order, without the X. */
        String digits() {
            if (digits == null) {
                char[] d = new char[digitCount];
                int at = 0;
                for (int g = 0; g < groupCount; g++) {
                    int end = groups[2 * g + 1] - (endsWithX && g == groupCount - 1 ? 1 : 0);
                    for (int k = groups[2 * g]; k < end; k++) {
                        d[at++] = text[k];
                    }
                }
                digits = new String(d);
            }
            return digits;
        }

        /**
         * A date, or a number that starts with one ("2027-01-29", "20261130", "29.01.2027", "2025-06-30 18:00"):
         * read from the text's chars, once.
         */
        boolean isDate() {
            if (date == 0) {
                date = (byte) (readDate() ? 1 : 2);
            }
            return date == 1;
        }

        private boolean readDate() {
            if (groupCount == 1) {
                int at = groups[0];
                return digitCount == 8 && validDate(number(at, 4), number(at + 4, 2), number(at + 6, 2));
            }
            if (groupCount < 3 || digitCount(0, 2) != 8) {
                return false;
            }
            int first = digitCount(0, 0);
            int second = digitCount(1, 1);
            if (second != 2) {
                return false;
            }
            return first == 4 ? validDate(number(groups[0], 4), number(groups[2], 2), number(groups[4], 2))
                    : first == 2 && validDate(number(groups[4], 4), number(groups[2], 2), number(groups[0], 2));
        }

        private int number(int at, int digits) {
            int n = 0;
            for (int k = at; k < at + digits; k++) {
                n = n * 10 + text[k] - '0';
            }
            return n;
        }

        private static boolean validDate(int year, int month, int day) {
            if (year < 1900 || year > 2100 || month < 1 || month > 12 || day < 1) {
                return false;
            }
            int days = month == 2 ? (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28)
                    : month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
            return day <= days;
        }

        int start() {
            return groups[0];
        }

        /** Normalized end, after the trailing X if there is one. */
        int end() {
            return groups[2 * groupCount - 1];
        }

        int groupStart(int g) {
            return groups[2 * g];
        }

        int groupEnd(int g) {
            return groups[2 * g + 1];
        }

        /** Digits of groups {@code from..to} inclusive (without the X). */
        String digits(int from, int to) {
            return digits().substring(before[from], before[to + 1]);
        }

        int digitCount(int from, int to) {
            return before[to + 1] - before[from];
        }

        /** The token's groups from {@code from} on. */
        Token tail(int from) {
            int count = groupCount - from;
            int[] g = java.util.Arrays.copyOfRange(groups, 2 * from, 2 * groupCount);
            int[] b = new int[count + 1];
            for (int i = 0; i <= count; i++) {
                b[i] = before[from + i] - before[from];
            }
            return new Token(text, g, count, b, endsWithX);
        }
    }

    private NumberTokens() {
    }

    static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean separator(char c) {
        return c == ' ' || c == '-' || c == '.' || c == '/' || c == '_' || c == '\n' || c == '\t' || c == '\r'
                || c == '\\' || c == '\f' || c == 0x0B;
    }

    /**
     * The resident ID's check letter X as a reader sees it: Latin, or a letter drawn the same (Cyrillic Х, Greek Χ,
     * the multiplication sign, the Roman numeral ten). Full-width Ｘ was read as X already.
     */
    static boolean checkLetter(char c) {
        return c == 'X' || c == 'x' || c == '\u0425' || c == '\u0445' || c == '\u03A7' || c == '\u03C7'
                || c == '\u00D7' || c == '\u2169' || c == '\u2179';
    }

    /**
     * A Latin letter or digit: what continues a code. Chinese text runs straight on from a number ("号码110105…X与"),
     * so a CJK character ends a code as a space would.
     */
    static boolean asciiAlnum(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    /** Every token of at least {@code minDigits} digits, in order, from the text's runs of digits. */
    static List<Token> of(NormalizedText text, int minDigits) {
        char[] t = text.array();
        int n = text.length();
        int[] runs = text.digitRuns();
        List<Token> out = new ArrayList<>();
        int[] groups = new int[16];
        int r = 0;
        while (r < runs.length) {
            int count = 0;
            int digitCount = 0;
            boolean endsWithX = false;
            int j;
            while (true) {
                int g = runs[r];
                j = runs[r + 1];
                digitCount += j - g;
                int end = j;
                // The X may have letters glued after it ("…002XCNY") but no digit among them (then it is a code).
                if (j < n && checkLetter(t[j]) && !digitAfterLetters(t, j + 1, n)) {
                    end = ++j;
                    endsWithX = true;
                }
                if (2 * count + 2 > groups.length) {
                    groups = java.util.Arrays.copyOf(groups, groups.length * 2);
                }
                groups[2 * count] = g;
                groups[2 * count + 1] = end;
                count++;
                r += 2;
                if (endsWithX || r >= runs.length || !joined(t, n, g, j, runs[r], runs[r + 1])) {
                    break;
                }
            }
            // Digits running into Latin letters and then digits again are part of a code ("92650102533H784Q98"),
            // not a number; letters alone after a number are a unit or a typo ("6222…7894CNY").
            boolean code = !endsWithX && j < n && asciiAlnum(t[j]) && digitAfterLetters(t, j, n);
            // Three digits and an X are a resident ID's last four characters ("后四位是002X"): a part of one.
            if ((digitCount >= minDigits || endsWithX && digitCount == minDigits - 1) && !code) {
                out.add(token(t, groups, count, digitCount, endsWithX));
            }
        }
        return out;
    }

    /** Whether the Latin letters from {@code from} are followed, within their run of letters and digits, by a digit. */
    private static boolean digitAfterLetters(char[] t, int from, int n) {
        for (int k = from; k < n && asciiAlnum(t[k]); k++) {
            if (digit(t[k])) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the chars between two runs of digits join them into one number: one or more separators, and no
     * sentence's end among them (a dot and a space or line break: "in Q4 2022. 138…" joins nothing).
     */
    private static boolean joined(char[] t, int n, int start, int from, int to, int nextEnd) {
        if (to <= from) {
            return false;
        }
        if (to == from + 1 && (t[from] == ',' || t[from] == '+')) {
            // Groups written with a comma or a plus alone between them ("6222,0212,3456,7894", a query string's
            // "6222+0212+…"). Not with a space too: "1500000, 0.0435, 360" is a list. And a comma between at most
            // three digits and three is a thousands separator ("1,234,567": an amount), except before a resident
            // ID's last three digits and its check letter ("110105,19491231,002X").
            boolean thousands = t[from] == ',' && from - start <= 3 && nextEnd - to == 3
                    && !(nextEnd < n && checkLetter(t[nextEnd]));
            return !thousands;
        }
        boolean slash = false;
        boolean space = false;
        for (int k = from; k < to; k++) {
            char c = t[k];
            if (!separator(c) || c == '.' && k + 1 < n && (t[k + 1] == ' ' || t[k + 1] == '\n'
                    || t[k + 1] == '\t' || t[k + 1] == '\r')) {
                return false;
            }
            slash |= c == '/';
            space |= c == ' ';
        }
        // A slash with spaces beside a decimal stands between figures ("0.155 / 0.411 / 2.185 ms"): a number's
        // groups have no decimal point ("6222 / 0212 / 3456 / 7894" is still one).
        return !(slash && space && (start > 0 && t[start - 1] == '.'
                || nextEnd + 1 < n && t[nextEnd] == '.' && digit(t[nextEnd + 1])));
    }

    private static Token token(char[] t, int[] groups, int count, int digitCount, boolean endsWithX) {
        int[] before = new int[count + 1];
        for (int g = 0; g < count; g++) {
            int end = groups[2 * g + 1] - (endsWithX && g == count - 1 ? 1 : 0);
            before[g + 1] = before[g] + end - groups[2 * g];
        }
        return new Token(t, java.util.Arrays.copyOf(groups, 2 * count), count, before, endsWithX);
    }
}
