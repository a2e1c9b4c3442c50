package dev.switchboard.testkit.corpus;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * The ways a value is written. People and systems group digits, paste them from PDFs with odd spaces, type them
 * on full-width keyboards, or run them through a locale that prints other digits; a detector that only knows the
 * plain form misses all of that. Every format keeps every digit and every letter's identity, so the canonical
 * value can always be read back.
 */
public final class Formats {
    public static final String PLAIN = "plain";
    public static final String SPACES = "spaces";
    public static final String DASHES = "dashes";
    public static final String DOTS = "dots";
    public static final String SLASHES = "slashes";
    public static final String UNDERSCORES = "underscores";
    public static final String DOUBLE_SPACES = "double-spaces";
    public static final String NEWLINES = "newlines";
    /** U+00A0 between groups: what word processors and PDFs put in. */
    public static final String NBSP = "nbsp";
    /** U+200B between groups: invisible, so a human reviewer sees the plain value. */
    public static final String ZWSP_GROUPS = "zwsp-groups";
    /** U+200B between every character. */
    public static final String ZWSP_DIGITS = "zwsp-digits";
    /** U+FF10..FF19, and U+FF38 for a resident ID's X. */
    public static final String FULLWIDTH = "fullwidth";
    /** U+0660..0669. */
    public static final String ARABIC_INDIC = "arabic-indic";
    /** U+0966..096F. */
    public static final String DEVANAGARI = "devanagari";
    /** A different separator at each boundary. */
    public static final String MIXED = "mixed-separators";
    /** A resident ID's X, a passport's or a credit code's letters in lower case. */
    public static final String LOWER_CASE = "lower-case";
    /** An e-mail address in capitals. */
    public static final String UPPER_CASE = "upper-case";
    /** A resident ID in groups of four, as in {@code 1101 0519 4912 3100 2X}. */
    public static final String ID_FOURS = "id-fours";
    /** A mobile with the country code in front: {@code 8613812345678}. */
    public static final String COUNTRY_CODE = "country-code";
    /** {@code +86 13812345678}. */
    public static final String COUNTRY_CODE_PLUS = "country-code-plus";

    /** Every format, in the order reports list them. */
    public static final List<String> ALL = List.of(PLAIN, SPACES, DASHES, DOTS, SLASHES, UNDERSCORES, DOUBLE_SPACES,
            NEWLINES, NBSP, ZWSP_GROUPS, ZWSP_DIGITS, FULLWIDTH, ARABIC_INDIC, DEVANAGARI, MIXED, LOWER_CASE,
            UPPER_CASE, ID_FOURS, COUNTRY_CODE, COUNTRY_CODE_PLUS);

    /** Formats that put a separator between the groups of a digit value, and the separator each uses. */
    private static final List<String> GROUPED = List.of(SPACES, DASHES, DOTS, SLASHES, UNDERSCORES, DOUBLE_SPACES,
            NEWLINES, NBSP, ZWSP_GROUPS, MIXED);
    private static final List<String> MIXABLE = List.of(" ", "-", ".", "/", "_");

    private Formats() {
    }

    /** The formats that make sense for this value: digit groupings for digit values, letter case for the rest. */
    public static List<String> applicable(String kind, String canonical) {
        List<String> out = new ArrayList<>();
        out.add(PLAIN);
        switch (kind) {
            case SensitiveValues.EMAIL -> out.add(UPPER_CASE);
            case SensitiveValues.PASSPORT, SensitiveValues.USCC -> out.add(LOWER_CASE);
            default -> {
                out.addAll(GROUPED);
                out.addAll(List.of(ZWSP_DIGITS, FULLWIDTH, ARABIC_INDIC, DEVANAGARI));
                if (kind.equals(SensitiveValues.RESIDENT_ID)) {
                    out.add(ID_FOURS);
                    if (canonical.endsWith("X")) {
                        out.add(LOWER_CASE);
                    }
                }
                if (kind.equals(SensitiveValues.MOBILE)) {
                    out.addAll(List.of(COUNTRY_CODE, COUNTRY_CODE_PLUS));
                }
            }
        }
        return out;
    }

    /**
     * A random applicable format that {@code allowed} accepts ({@link #PLAIN} always must be): plain is the most
     * common, as in real traffic, and a resident ID ending in X is often typed with a small x.
     */
    public static String pick(String kind, String canonical, RandomGenerator rng, Predicate<String> allowed) {
        List<String> formats = applicable(kind, canonical).stream().filter(allowed).toList();
        int[] weights = formats.stream().mapToInt(f -> f.equals(PLAIN) ? 5 : f.equals(LOWER_CASE) ? 3 : 1).toArray();
        int roll = rng.nextInt(java.util.Arrays.stream(weights).sum());
        for (int i = 0; i < formats.size(); i++) {
            roll -= weights[i];
            if (roll < 0) {
                return formats.get(i);
            }
        }
        throw new AssertionError("weights exhausted");
    }

    /** The value written in {@code format}; {@code rng} only chooses the separators of {@link #MIXED}. */
    public static String render(String format, String kind, String canonical, RandomGenerator rng) {
        if (!applicable(kind, canonical).contains(format)) {
            throw new IllegalArgumentException(format + " does not apply to " + kind + " " + canonical);
        }
        List<String> groups = groups(kind, canonical);
        return switch (format) {
            // E-mail addresses are written in lower case; upper case is the canonical form only for comparing.
            case PLAIN -> kind.equals(SensitiveValues.EMAIL) ? canonical.toLowerCase(Locale.ROOT) : canonical;
            case UPPER_CASE -> canonical;
            case LOWER_CASE -> canonical.toLowerCase(Locale.ROOT);
            case SPACES -> String.join(" ", groups);
            case DASHES -> String.join("-", groups);
            case DOTS -> String.join(".", groups);
            case SLASHES -> String.join("/", groups);
            case UNDERSCORES -> String.join("_", groups);
            case DOUBLE_SPACES -> String.join("  ", groups);
            case NEWLINES -> String.join("\n", groups);
            case NBSP -> String.join("\u00A0", groups);
            case ZWSP_GROUPS -> String.join("\u200B", groups);
            case ZWSP_DIGITS -> String.join("\u200B", canonical.split(""));
            case MIXED -> mixed(groups, rng);
            case FULLWIDTH -> shiftDigits(canonical, '\uFF10').replace('X', '\uFF38');
            case ARABIC_INDIC -> shiftDigits(canonical, '\u0660');
            case DEVANAGARI -> shiftDigits(canonical, '\u0966');
            case ID_FOURS -> String.join(" ", chunks(canonical, 4));
            case COUNTRY_CODE -> "86" + canonical;
            case COUNTRY_CODE_PLUS -> "+86 " + canonical;
            default -> throw new IllegalArgumentException("unknown format '" + format + "'");
        };
    }

    /** How people group each kind: IDs region-birth-rest, mobiles 3-4-4, Amex 4-6-5, other numbers by four. */
    static List<String> groups(String kind, String canonical) {
        return switch (kind) {
            case SensitiveValues.RESIDENT_ID ->
                    List.of(canonical.substring(0, 6), canonical.substring(6, 14), canonical.substring(14));
            case SensitiveValues.MOBILE ->
                    List.of(canonical.substring(0, 3), canonical.substring(3, 7), canonical.substring(7));
            case SensitiveValues.BANK_CARD, SensitiveValues.BANK_ACCOUNT -> canonical.length() == 15
                    ? List.of(canonical.substring(0, 4), canonical.substring(4, 10), canonical.substring(10))
                    : chunks(canonical, 4);
            default -> List.of(canonical);
        };
    }

    /** Separators drawn per boundary, at least two different ones so the format is really mixed. */
    private static String mixed(List<String> groups, RandomGenerator rng) {
        StringBuilder out = new StringBuilder(groups.get(0));
        String first = null;
        for (int i = 1; i < groups.size(); i++) {
            String separator = SensitiveValues.pick(MIXABLE, rng);
            if (i == 1) {
                first = separator;
            } else if (i == groups.size() - 1 && separator.equals(first)) {
                separator = MIXABLE.get((MIXABLE.indexOf(first) + 1) % MIXABLE.size());
            }
            out.append(separator).append(groups.get(i));
        }
        return out.toString();
    }

    private static String shiftDigits(String value, char zero) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            out.append(c >= '0' && c <= '9' ? (char) (zero + (c - '0')) : c);
        }
        return out.toString();
    }

    private static List<String> chunks(String value, int size) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < value.length(); i += size) {
            out.add(value.substring(i, Math.min(value.length(), i + size)));
        }
        return out;
    }
}
