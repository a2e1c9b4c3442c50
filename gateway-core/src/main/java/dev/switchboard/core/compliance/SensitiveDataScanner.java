package dev.switchboard.core.compliance;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds customer data in text: PRC resident ID numbers (check character and a real birth date), bank card numbers
 * (13–19 digits passing Luhn, with a card network's first digit), mainland mobile numbers, e-mail addresses,
 * Chinese passport numbers, unified social credit codes (with their GB 32100 check character), bank account numbers
 * next to a keyword, and custom patterns and keywords.
 *
 * <p>The text is first read as a person reads it ({@link NormalizedText}): digits of any script, full-width forms,
 * invisible characters dropped. Numbers are read as tokens of digit groups joined by any run of separators
 * ({@link NumberTokens}), and every run of whole consecutive groups of 11–19 digits is judged — so
 * {@code 1101 0519 4912 3100 2X} is an ID and {@code 6222.0212.3456.7894} a card, while a valid-looking number
 * <em>inside</em> a longer group of digits is not (the false-positive guard: order and reference numbers). Two
 * numbers with at most a few words between them are judged as one when together they make a resident ID or a card
 * of a real card network passing Luhn ("card starts 62220212, and ends 34567894"); the checks are strong enough
 * that two unrelated numbers seldom pass them.
 *
 * <p>A text may hold several texts joined by line breaks (read as one, as a model reads consecutive messages) and
 * {@link NumberTokens#BOUNDARY} characters, across which nothing is ever joined. Immutable and thread-safe.
 */
public final class SensitiveDataScanner {
    public static final String RESIDENT_ID = "cn-resident-id";
    public static final String BANK_CARD = "bank-card";
    public static final String MOBILE = "cn-mobile";
    public static final String EMAIL = "email";
    public static final String PASSPORT = "cn-passport";
    public static final String CREDIT_CODE = "cn-credit-code";
    public static final String BANK_ACCOUNT = "bank-account";
    public static final Set<String> BUILT_IN = Set.of(RESIDENT_ID, BANK_CARD, MOBILE, EMAIL, PASSPORT, CREDIT_CODE,
            BANK_ACCOUNT);

    private static final Pattern EMAIL_PATTERN = Pattern.compile(
            "[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63})*\\.[A-Za-z]{2,24}");
    private static final int[] ID_WEIGHTS = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    private static final char[] ID_CHECK = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
    private static final String CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static final int[] CREDIT_WEIGHTS = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    /** Words after which a number is a bank account (lower case; matched without regard to case). */
    static final List<String> ACCOUNT_WORDS = List.of("账号", "帐号", "账户", "帐户", "賬號", "賬戶", "帳號", "帳戶", "卡号",
            "卡號", "account no", "account number", "account #", "acct no", "acct. no", "acct #", "a/c no", "iban");
    static final List<String> PASSPORT_WORDS = List.of("护照", "護照", "passport");
    /** How far after a keyword its number may start (characters). */
    private static final int KEYWORD_REACH = 16;
    /** How many characters two parts of one number may have between them (words: "and it ends with"). */
    private static final int SPLIT_REACH = 24;

    /** A custom detector: a named pattern. */
    public record CustomPattern(String kind, Pattern pattern) {
    }

    /** A custom detector: a named list of words, matched without regard to case. */
    public record KeywordList(String kind, List<String> words) {
        public KeywordList {
            words = words.stream().map(w -> w.toLowerCase(Locale.ROOT)).toList();
        }
    }

    private final Set<String> enabled;
    private final boolean numbers;
    private final List<CustomPattern> patterns;
    private final List<KeywordList> keywords;

    public SensitiveDataScanner(Set<String> enabled, List<CustomPattern> patterns, List<KeywordList> keywords) {
        this.enabled = Set.copyOf(enabled);
        this.numbers = enabled.contains(RESIDENT_ID) || enabled.contains(BANK_CARD) || enabled.contains(MOBILE)
                || enabled.contains(BANK_ACCOUNT) || enabled.contains(PASSPORT);
        this.patterns = List.copyOf(patterns);
        this.keywords = List.copyOf(keywords);
    }

    /** Every built-in detector, nothing custom. */
    public static SensitiveDataScanner builtIn() {
        return new SensitiveDataScanner(BUILT_IN, List.of(), List.of());
    }

    public boolean isEmpty() {
        return enabled.isEmpty() && patterns.isEmpty() && keywords.isEmpty();
    }

    /** Every finding in {@code text}, in order of position, overlapping ones removed. Offsets are {@code text}'s. */
    public List<Finding> scan(CharSequence text) {
        List<Finding> out = new ArrayList<>();
        if (text == null || text.length() == 0) {
            return out;
        }
        NormalizedText c = NormalizedText.of(text);
        if (numbers) {
            scanNumbers(c, out);
        }
        if (enabled.contains(EMAIL)) {
            scanEmails(c, out);
        }
        if (enabled.contains(CREDIT_CODE) || enabled.contains(PASSPORT)) {
            scanCodes(c, out);
        }
        for (CustomPattern p : patterns) {
            Matcher m = p.pattern().matcher(c.chars());
            while (m.find()) {
                if (m.end() > m.start()) {
                    out.add(finding(c, p.kind(), m.start(), m.end()));
                }
            }
        }
        for (KeywordList k : keywords) {
            for (String w : k.words()) {
                for (int i = indexOfIgnoreCase(c.chars(), w, 0); i >= 0 && !w.isEmpty();
                        i = indexOfIgnoreCase(c.chars(), w, i + w.length())) {
                    out.add(finding(c, k.kind(), i, i + w.length()));
                }
            }
        }
        return dropOverlaps(out);
    }

    private static Finding finding(NormalizedText c, String kind, int start, int end) {
        return new Finding(kind, c.origin(start), c.originAfter(end - 1));
    }

    // ---- numbers ----------------------------------------------------------------------------------------------

    private void scanNumbers(NormalizedText c, List<Finding> out) {
        List<NumberTokens.Token> tokens = NumberTokens.of(c, 4);
        if (tokens.isEmpty()) {
            return;
        }
        boolean[] used = new boolean[tokens.size()];
        for (int t = 0; t < tokens.size(); t++) {
            used[t] = judgeWindows(c, tokens.get(t), out);
        }
        for (int t = 0; t + 1 < tokens.size(); t++) {
            if (!used[t] && !used[t + 1] && judgeSplit(c, tokens.get(t), tokens.get(t + 1), out)) {
                used[t] = used[t + 1] = true;
            }
        }
        if (enabled.contains(BANK_ACCOUNT) || enabled.contains(PASSPORT)) {
            for (int t = 0; t < tokens.size(); t++) {
                if (!used[t]) {
                    judgeAfterKeyword(c, tokens.get(t), out);
                }
            }
        }
    }

    /**
     * Judges every run of whole consecutive groups of a token, longest first from each group; returns whether
     * anything was found.
     */
    private boolean judgeWindows(NormalizedText c, NumberTokens.Token token, List<Finding> out) {
        if (token.digits.length() < 11) {
            return false;
        }
        boolean found = false;
        int g = 0;
        while (g < token.groupCount) {
            int hit = -1;
            String kind = null;
            for (int h = token.groupCount - 1; h >= g && kind == null; h--) {
                int len = token.digitCount(g, h);
                boolean x = token.endsWithX && h == token.groupCount - 1;
                if (len >= 11 && len <= 19 && !(x && len != 17)) {
                    kind = judge(token.digits(g, h), x);
                    hit = h;
                }
            }
            if (kind != null) {
                out.add(new Finding(kind, c.origin(token.groupStart(g)), c.originAfter(token.groupEnd(hit) - 1)));
                found = true;
                g = hit + 1;
            } else {
                g++;
            }
        }
        return found;
    }

    /**
     * Two neighbouring numbers with a few words between them, judged as one: only as a resident ID or a card of a
     * real network, whose checks two unrelated numbers seldom pass. The end of the first and the start of the second
     * may be any whole groups.
     */
    private boolean judgeSplit(NormalizedText c, NumberTokens.Token a, NumberTokens.Token b, List<Finding> out) {
        if (a.endsWithX || b.start() - a.end() > SPLIT_REACH || !enabled.contains(RESIDENT_ID)
                && !enabled.contains(BANK_CARD)) {
            return false;
        }
        for (int i = a.end(); i < b.start(); i++) {
            if (c.charAt(i) == NumberTokens.BOUNDARY) {
                return false;
            }
        }
        for (int ga = 0; ga < a.groupCount; ga++) {
            int first = a.digitCount(ga, a.groupCount - 1);
            if (first < 4 || first > 17) {
                continue;
            }
            for (int gb = b.groupCount - 1; gb >= 0; gb--) {
                int second = b.digitCount(0, gb);
                boolean x = b.endsWithX && gb == b.groupCount - 1;
                int len = first + second;
                if (second < 4 || len < 15 || len > 19 || x && len != 17) {
                    continue;
                }
                String digits = a.digits(ga, a.groupCount - 1) + b.digits(0, gb);
                String kind = null;
                if (enabled.contains(RESIDENT_ID) && (x ? len == 17 && isResidentId(digits, true)
                        : len == 18 && isResidentId(digits, false))) {
                    kind = RESIDENT_ID;
                } else if (!x && enabled.contains(BANK_CARD) && isNetworkCard(digits)) {
                    kind = BANK_CARD;
                }
                if (kind != null) {
                    out.add(new Finding(kind, List.of(
                            new Finding.Span(c.origin(a.groupStart(ga)), c.originAfter(a.end() - 1)),
                            new Finding.Span(c.origin(b.start()), c.originAfter(b.groupEnd(gb) - 1)))));
                    return true;
                }
            }
        }
        return false;
    }

    /** A number of 8–30 digits right after an account keyword, or a passport number after a passport keyword. */
    private void judgeAfterKeyword(NormalizedText c, NumberTokens.Token token, List<Finding> out) {
        int len = token.digits.length();
        if (enabled.contains(BANK_ACCOUNT) && len >= 8 && len <= 30 && !token.endsWithX
                && keywordBefore(c, token.start(), ACCOUNT_WORDS)) {
            out.add(new Finding(BANK_ACCOUNT, c.origin(token.start()), c.originAfter(token.end() - 1)));
            return;
        }
        if (enabled.contains(PASSPORT) && len >= 7 && len <= 9 && !token.endsWithX) {
            // Old passports are nine digits; newer ones one or two letters and 7–8 digits ("E 1234 5678", "PE1234567").
            int start = token.start();
            int k = start > 0 && c.charAt(start - 1) == ' ' ? start - 1 : start;
            int letters = 0;
            while (k > 0 && letters < 2 && asciiLetter(c.charAt(k - 1))) {
                k--;
                letters++;
            }
            boolean word = k > 0 && asciiLetter(c.charAt(k - 1));
            int from = letters > 0 && !word ? k : start;
            if ((letters > 0 && !word || len == 9) && keywordBefore(c, from, PASSPORT_WORDS)) {
                out.add(new Finding(PASSPORT, c.origin(from), c.originAfter(token.end() - 1)));
            }
        }
    }

    /** Whether one of {@code words} ends at most {@link #KEYWORD_REACH} chars before {@code at}, no digit between. */
    private static boolean keywordBefore(NormalizedText c, int at, List<String> words) {
        for (int i = at - 1; i >= 0 && at - (i + 1) <= KEYWORD_REACH; i--) {
            char ch = c.charAt(i);
            if (NumberTokens.digit(ch) || ch == NumberTokens.BOUNDARY) {
                return false;
            }
            for (String w : words) {
                if (regionMatchesIgnoreCase(c.chars(), i - w.length() + 1, w)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean asciiLetter(char ch) {
        return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z';
    }

    /** The kind of a whole number (digits only; {@code x}: followed by the check letter X), or null. */
    private String judge(String s, boolean x) {
        int len = s.length();
        if (x) {
            return len == 17 && enabled.contains(RESIDENT_ID) && isResidentId(s, true) ? RESIDENT_ID : null;
        }
        if (len == 18 && enabled.contains(RESIDENT_ID) && isResidentId(s, false)) {
            return RESIDENT_ID;
        }
        if (enabled.contains(MOBILE) && isMobile(s)) {
            return MOBILE;
        }
        if (len >= 13 && enabled.contains(BANK_CARD) && s.charAt(0) >= '2' && s.charAt(0) <= '6' && luhn(s)) {
            return BANK_CARD;
        }
        return null;
    }

    private static boolean isMobile(String s) {
        int from = s.length() == 13 && s.startsWith("86") ? 2 : s.length() == 15 && s.startsWith("0086") ? 4 : 0;
        return s.length() - from == 11 && s.charAt(from) == '1' && s.charAt(from + 1) >= '3'
                && s.charAt(from + 1) <= '9';
    }

    /** 18 chars: 17 digits and a check character (ISO 7064 MOD 11-2), with a birth date between 1900 and 2100. */
    static boolean isResidentId(String s) {
        if (s.length() != 18) {
            return false;
        }
        char last = s.charAt(17);
        return last == 'X' || last == 'x' ? isResidentId(s.substring(0, 17), true) : isResidentId(s, false);
    }

    /** {@code digits}: 17 digits and {@code x}, or 18 digits. */
    private static boolean isResidentId(String digits, boolean x) {
        if (digits.length() != (x ? 17 : 18) || digits.charAt(0) < '1' || digits.charAt(0) > '9') {
            return false;
        }
        int sum = 0;
        for (int k = 0; k < 17; k++) {
            sum += (digits.charAt(k) - '0') * ID_WEIGHTS[k];
        }
        if ((x ? 'X' : digits.charAt(17)) != ID_CHECK[sum % 11]) {
            return false;
        }
        int year = Integer.parseInt(digits, 6, 10, 10);
        if (year < 1900 || year > 2100) {
            return false;
        }
        try {
            LocalDate.of(year, Integer.parseInt(digits, 10, 12, 10), Integer.parseInt(digits, 12, 14, 10));
            return true;
        } catch (DateTimeException e) {
            return false;
        }
    }

    static boolean luhn(String s) {
        int sum = 0;
        boolean twice = false;
        for (int k = s.length() - 1; k >= 0; k--) {
            int d = s.charAt(k) - '0';
            if (twice) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            twice = !twice;
        }
        return sum % 10 == 0;
    }

    /**
     * A card of a real network, its length and Luhn: UnionPay (62, 16–19), Visa (4: 13, 16, 19), Mastercard (51–55,
     * 2221–2720: 16), American Express (34, 37: 15), JCB (3528–3589: 16–19), Discover (6011, 65: 16–19).
     */
    static boolean isNetworkCard(String s) {
        int len = s.length();
        int two = (s.charAt(0) - '0') * 10 + s.charAt(1) - '0';
        int four = Integer.parseInt(s, 0, 4, 10);
        boolean network = two == 62 && len >= 16
                || s.charAt(0) == '4' && (len == 13 || len == 16 || len == 19)
                || (two >= 51 && two <= 55 || four >= 2221 && four <= 2720) && len == 16
                || (two == 34 || two == 37) && len == 15
                || four >= 3528 && four <= 3589 && len >= 16
                || (four == 6011 || two == 65) && len >= 16;
        return network && luhn(s);
    }

    // ---- codes with letters: credit codes, passports --------------------------------------------------------

    /** Runs of letters and digits: an 18-char unified social credit code, or E/G and 8 digits (a passport). */
    private void scanCodes(NormalizedText c, List<Finding> out) {
        int n = c.length();
        int i = 0;
        while (i < n) {
            if (!asciiAlnum(c.charAt(i))) {
                i++;
                continue;
            }
            int j = i;
            while (j < n && asciiAlnum(c.charAt(j))) {
                j++;
            }
            boolean bounded = (i == 0 || !NumberTokens.letterOrDigit(c.charAt(i - 1)))
                    && (j == n || !NumberTokens.letterOrDigit(c.charAt(j)));
            if (bounded && j - i == 18 && enabled.contains(CREDIT_CODE) && isCreditCode(c.chars(), i)) {
                out.add(finding(c, CREDIT_CODE, i, j));
            } else if (bounded && j - i == 9 && enabled.contains(PASSPORT) && isPassport(c.chars(), i)) {
                out.add(finding(c, PASSPORT, i, j));
            }
            i = j;
        }
    }

    private static boolean asciiAlnum(char ch) {
        return ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z';
    }

    private static boolean isPassport(CharSequence s, int at) {
        char first = Character.toUpperCase(s.charAt(at));
        if (first != 'E' && first != 'G') {
            return false;
        }
        for (int k = 1; k < 9; k++) {
            if (!NumberTokens.digit(s.charAt(at + k))) {
                return false;
            }
        }
        return true;
    }

    /**
     * GB 32100-2015: registration authority (1, 5, 9, Y) and type, a six-digit region code, nine characters of the
     * organisation code, and a check character over the first 17 in base 31.
     */
    static boolean isCreditCode(CharSequence s, int at) {
        char authority = Character.toUpperCase(s.charAt(at));
        char type = Character.toUpperCase(s.charAt(at + 1));
        boolean kind = switch (authority) {
            case '1', '5' -> type == '1' || type == '2' || type == '3' || type == '9';
            case '9' -> type == '1' || type == '2' || type == '3';
            case 'Y' -> type == '1';
            default -> false;
        };
        if (!kind) {
            return false;
        }
        int sum = 0;
        for (int k = 0; k < 17; k++) {
            char ch = Character.toUpperCase(s.charAt(at + k));
            if (k >= 2 && k < 8 && !NumberTokens.digit(ch)) {
                return false;
            }
            int v = CREDIT_CHARS.indexOf(ch);
            if (v < 0) {
                return false;
            }
            sum += v * CREDIT_WEIGHTS[k];
        }
        return Character.toUpperCase(s.charAt(at + 17)) == CREDIT_CHARS.charAt((31 - sum % 31) % 31);
    }

    // ---- e-mail -------------------------------------------------------------------------------------------------

    /**
     * E-mail addresses, found from each {@code @} outwards rather than by a regular expression tried at every
     * position of the text (which costs the text's length times the local part's).
     */
    private static void scanEmails(NormalizedText c, List<Finding> out) {
        CharSequence text = c.chars();
        int at = indexOf(text, '@', 0);
        int consumed = 0;
        while (at >= 0) {
            int start = at;
            while (start > consumed && at - start < 64 && localChar(text.charAt(start - 1))) {
                start--;
            }
            int end = at + 1;
            int lastDot = -1;
            while (end < text.length() && end - at <= 253 && domainChar(text.charAt(end))) {
                if (text.charAt(end) == '.') {
                    lastDot = end;
                }
                end++;
            }
            // Trailing dots end a sentence, not the address.
            while (end > at + 1 && text.charAt(end - 1) == '.') {
                end--;
                lastDot = lastIndexOf(text, '.', end - 1) > at ? lastIndexOf(text, '.', end - 1) : -1;
            }
            if (start < at && lastDot > at + 1 && end - lastDot - 1 >= 2 && isTld(text, lastDot + 1, end)) {
                Matcher m = EMAIL_PATTERN.matcher(text).region(start, end);
                if (m.matches()) {
                    out.add(finding(c, EMAIL, start, end));
                    consumed = end;
                }
            }
            at = indexOf(text, '@', at + 1);
        }
    }

    private static int indexOf(CharSequence s, char ch, int from) {
        if (s instanceof String str) {
            return str.indexOf(ch, from);
        }
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) == ch) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOf(CharSequence s, char ch, int from) {
        for (int i = Math.min(from, s.length() - 1); i >= 0; i--) {
            if (s.charAt(i) == ch) {
                return i;
            }
        }
        return -1;
    }

    private static boolean localChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
                || c == '%' || c == '+' || c == '-';
    }

    private static boolean domainChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-';
    }

    private static boolean isTld(CharSequence text, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')) {
                return false;
            }
        }
        return to - from <= 24;
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** {@code word} is lower case. */
    private static int indexOfIgnoreCase(CharSequence text, String word, int from) {
        if (word.isEmpty()) {
            return -1;
        }
        char first = word.charAt(0);
        char upper = Character.toUpperCase(first);
        for (int i = from; i + word.length() <= text.length(); i++) {
            char ch = text.charAt(i);
            if ((ch == first || ch == upper || Character.toLowerCase(ch) == first)
                    && regionMatchesIgnoreCase(text, i, word)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean regionMatchesIgnoreCase(CharSequence text, int at, String lowerWord) {
        if (at < 0 || at + lowerWord.length() > text.length()) {
            return false;
        }
        for (int k = 0; k < lowerWord.length(); k++) {
            char ch = text.charAt(at + k);
            char w = lowerWord.charAt(k);
            if (ch != w && Character.toLowerCase(ch) != w) {
                return false;
            }
        }
        return true;
    }

    /** The findings in order of position; one that shares characters with an earlier, longer one is dropped. */
    private static List<Finding> dropOverlaps(List<Finding> found) {
        if (found.size() < 2) {
            return found;
        }
        found.sort((a, b) -> a.start() != b.start() ? Integer.compare(a.start(), b.start())
                : Integer.compare(b.end() - b.start(), a.end() - a.start()));
        List<Finding> out = new ArrayList<>();
        List<Finding> open = new ArrayList<>(); // accepted findings that may still overlap later ones
        for (Finding f : found) {
            open.removeIf(g -> g.end() <= f.start());
            boolean clash = false;
            for (Finding g : open) {
                clash |= intersect(f, g);
            }
            if (!clash) {
                out.add(f);
                open.add(f);
            }
        }
        return out;
    }

    private static boolean intersect(Finding a, Finding b) {
        for (Finding.Span x : a.spans()) {
            for (Finding.Span y : b.spans()) {
                if (x.start() < y.end() && y.start() < x.end()) {
                    return true;
                }
            }
        }
        return false;
    }
}
