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
 * Finds customer data in text: PRC resident ID numbers (with their check digit and a real birth date), bank card
 * numbers (13–19 digits passing Luhn, with a card-network first digit), mainland mobile numbers, e-mail
 * addresses, and custom patterns and keywords. Few false positives: numbers are judged as whole digit runs, so a
 * valid-looking number inside a longer one is not a match, and checksums must hold. Full-width digits and
 * separators are read as their ASCII forms, so {@code １３８００１３８０００} is still a phone number.
 *
 * <p>Digits are found in one pass over the text; regular expressions run only for e-mail (when there is an
 * {@code @}) and for custom patterns. Immutable and thread-safe.
 */
public final class SensitiveDataScanner {
    public static final String RESIDENT_ID = "cn-resident-id";
    public static final String BANK_CARD = "bank-card";
    public static final String MOBILE = "cn-mobile";
    public static final String EMAIL = "email";
    public static final Set<String> BUILT_IN = Set.of(RESIDENT_ID, BANK_CARD, MOBILE, EMAIL);

    private static final Pattern EMAIL_PATTERN = Pattern.compile(
            "[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63})*\\.[A-Za-z]{2,24}");
    private static final int[] ID_WEIGHTS = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    private static final char[] ID_CHECK = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};

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
    private final List<CustomPattern> patterns;
    private final List<KeywordList> keywords;

    public SensitiveDataScanner(Set<String> enabled, List<CustomPattern> patterns, List<KeywordList> keywords) {
        this.enabled = Set.copyOf(enabled);
        this.patterns = List.copyOf(patterns);
        this.keywords = List.copyOf(keywords);
    }

    /** All four built-in detectors, nothing custom. */
    public static SensitiveDataScanner builtIn() {
        return new SensitiveDataScanner(BUILT_IN, List.of(), List.of());
    }

    public boolean isEmpty() {
        return enabled.isEmpty() && patterns.isEmpty() && keywords.isEmpty();
    }

    /** Every finding in {@code text}, in order of position, overlapping ones removed. */
    public List<Finding> scan(String text) {
        List<Finding> out = new ArrayList<>();
        if (text == null || text.isEmpty()) {
            return out;
        }
        String c = normalized(text);
        if (enabled.contains(RESIDENT_ID) || enabled.contains(BANK_CARD) || enabled.contains(MOBILE)) {
            scanDigits(c, out);
        }
        if (enabled.contains(EMAIL)) {
            scanEmails(text, out);
        }
        for (CustomPattern p : patterns) {
            Matcher m = p.pattern().matcher(c);
            while (m.find()) {
                if (m.end() > m.start()) {
                    out.add(new Finding(p.kind(), m.start(), m.end()));
                }
            }
        }
        if (!keywords.isEmpty()) {
            String lower = text.toLowerCase(Locale.ROOT);
            for (KeywordList k : keywords) {
                for (String w : k.words()) {
                    for (int i = lower.indexOf(w); i >= 0 && !w.isEmpty(); i = lower.indexOf(w, i + w.length())) {
                        out.add(new Finding(k.kind(), i, i + w.length()));
                    }
                }
            }
        }
        return dropOverlaps(out);
    }

    /**
     * E-mail addresses, found from each {@code @} outwards rather than by a regular expression tried at every
     * position of the text (which costs the text's length times the local part's).
     */
    private static void scanEmails(String text, List<Finding> out) {
        int at = text.indexOf('@');
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
                lastDot = text.lastIndexOf('.', end - 1) > at ? text.lastIndexOf('.', end - 1) : -1;
            }
            if (start < at && lastDot > at + 1 && end - lastDot - 1 >= 2 && isTld(text, lastDot + 1, end)) {
                Matcher m = EMAIL_PATTERN.matcher(text).region(start, end);
                if (m.matches()) {
                    out.add(new Finding(EMAIL, start, end));
                    consumed = end;
                }
            }
            at = text.indexOf('@', at + 1);
        }
    }

    private static boolean localChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
                || c == '%' || c == '+' || c == '-';
    }

    private static boolean domainChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-';
    }

    private static boolean isTld(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')) {
                return false;
            }
        }
        return to - from <= 24;
    }

    /** Full-width digits, letters X and separators read as ASCII, one char for one, so offsets stay valid. */
    private static String normalized(String text) {
        int i = 0;
        while (i < text.length() && normalize(text.charAt(i)) == text.charAt(i)) {
            i++;
        }
        if (i == text.length()) {
            return text; // the usual case: nothing to read differently, no copy
        }
        char[] c = text.toCharArray();
        for (; i < c.length; i++) {
            c[i] = normalize(c[i]);
        }
        return new String(c);
    }

    private static char normalize(char ch) {
        if (ch < '\u2010') {
            return ch;
        }
        if (ch >= '\uFF10' && ch <= '\uFF19') {
            return (char) ('0' + (ch - '\uFF10'));
        } else if (ch == '\uFF38' || ch == '\uFF58') {
            return 'X';
        } else if (ch == '\u3000') {
            return ' ';
        } else if (ch == '\uFF0D' || ch <= '\u2015') {
            return '-';
        } else if (ch == '\uFF0B') {
            return '+';
        }
        return ch;
    }

    private static boolean digit(char ch) {
        return ch >= '0' && ch <= '9';
    }

    /**
     * Finds runs of digits that may be split by single spaces or dashes ({@code 6222 0212 3456 7890}); each run is
     * judged whole (formatted numbers), and otherwise group by group (plain numbers).
     */
    private void scanDigits(String c, List<Finding> out) {
        int i = 0;
        int n = c.length();
        while (i < n) {
            if (!digit(c.charAt(i))) {
                i++;
                continue;
            }
            List<int[]> groups = new ArrayList<>();
            int j = i;
            while (true) {
                int g = j;
                while (j < n && digit(c.charAt(j))) {
                    j++;
                }
                int end = j;
                // A resident ID may end in X.
                if (j < n && (c.charAt(j) == 'X' || c.charAt(j) == 'x') && end - g == 17
                        && (j + 1 >= n || !Character.isLetterOrDigit(c.charAt(j + 1)))) {
                    j++;
                    end = j;
                }
                groups.add(new int[] {g, end});
                if (j + 1 < n && (c.charAt(j) == ' ' || c.charAt(j) == '-') && digit(c.charAt(j + 1))) {
                    j++;
                    continue;
                }
                break;
            }
            int start = groups.get(0)[0];
            int end = groups.get(groups.size() - 1)[1];
            int total = 0;
            boolean formatted = groups.size() > 1;
            for (int[] g : groups) {
                total += g[1] - g[0];
                formatted &= g[1] - g[0] >= 2 && g[1] - g[0] <= 6;
            }
            // Nothing shorter than 11 digits is a finding: most runs (dates, amounts) end here, unallocated.
            String kind = formatted && total >= 11 && total <= 19 ? judge(digitsOf(c, groups), true) : null;
            if (kind != null) {
                out.add(new Finding(kind, start, end));
            } else {
                for (int[] g : groups) {
                    int len = g[1] - g[0];
                    String k = len < 11 || len > 19 ? null : judge(c.substring(g[0], g[1]), false);
                    if (k != null) {
                        out.add(new Finding(k, g[0], g[1]));
                    }
                }
            }
            i = j;
        }
    }

    private static String digitsOf(String c, List<int[]> groups) {
        StringBuilder sb = new StringBuilder();
        for (int[] g : groups) {
            sb.append(c, g[0], g[1]);
        }
        return sb.toString();
    }

    /** The kind of a whole number, or null. */
    private String judge(String s, boolean formatted) {
        int len = s.length();
        if (len == 18 && enabled.contains(RESIDENT_ID) && !formatted && isResidentId(s)) {
            return RESIDENT_ID;
        }
        if (enabled.contains(MOBILE)) {
            String m = s.startsWith("86") && len == 13 ? s.substring(2) : s;
            if (m.length() == 11 && m.charAt(0) == '1' && m.charAt(1) >= '3' && m.charAt(1) <= '9') {
                return MOBILE;
            }
        }
        if (len >= 13 && len <= 19 && enabled.contains(BANK_CARD) && s.charAt(0) >= '2' && s.charAt(0) <= '6'
                && s.chars().allMatch(ch -> ch >= '0' && ch <= '9') && luhn(s)) {
            return BANK_CARD;
        }
        return null;
    }

    static boolean isResidentId(String s) {
        if (s.length() != 18 || s.charAt(0) < '1' || s.charAt(0) > '9') {
            return false;
        }
        int sum = 0;
        for (int k = 0; k < 17; k++) {
            char ch = s.charAt(k);
            if (!digit(ch)) {
                return false;
            }
            sum += (ch - '0') * ID_WEIGHTS[k];
        }
        char check = Character.toUpperCase(s.charAt(17));
        if (check != ID_CHECK[sum % 11]) {
            return false;
        }
        try {
            int year = Integer.parseInt(s.substring(6, 10));
            if (year < 1900 || year > 2100) {
                return false;
            }
            LocalDate.of(year, Integer.parseInt(s.substring(10, 12)), Integer.parseInt(s.substring(12, 14)));
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

    private static List<Finding> dropOverlaps(List<Finding> found) {
        if (found.size() < 2) {
            return found;
        }
        found.sort((a, b) -> a.start() != b.start() ? Integer.compare(a.start(), b.start())
                : Integer.compare(b.end() - b.start(), a.end() - a.start()));
        List<Finding> out = new ArrayList<>();
        int until = -1;
        for (Finding f : found) {
            if (f.start() >= until) {
                out.add(f);
                until = f.end();
            }
        }
        return out;
    }
}
