package dev.switchboard.testkit.corpus;

import java.text.Normalizer;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Checks of the identifiers written from their standards, independently of {@link Checksums} (different formulas
 * where the standard allows: MOD 11-2 and GB 32100 weights computed as powers), so a bug in the generators'
 * checksum code cannot pass its own test.
 */
final class Identifiers {
    private static final DateTimeFormatter BIRTH = DateTimeFormatter.ofPattern("uuuuMMdd")
            .withResolverStyle(ResolverStyle.STRICT);
    private static final String USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    private Identifiers() {
    }

    /** Whether {@code canonical} is a valid value of {@code kind}. */
    static boolean valid(String kind, String canonical) {
        return switch (kind) {
            case "cn-resident-id" -> residentId(canonical);
            case "bank-card" -> card(canonical);
            case "cn-mobile" -> canonical.matches("1[3-9]\\d{9}");
            case "email" -> canonical.matches("[A-Z0-9._]+@[A-Z0-9-]+(\\.[A-Z0-9-]+)*\\.[A-Z]{2,}");
            case "cn-passport" -> canonical.matches("[EG]\\d{8}");
            case "uscc" -> uscc(canonical);
            case "bank-account" -> canonical.matches("[1-9]\\d{11,21}") && !card(canonical) && !residentId(canonical);
            default -> throw new AssertionError("unknown kind " + kind);
        };
    }

    /** Region (first digit 1-8), a real birth date 1930-2010, sequence, ISO 7064 MOD 11-2 check. */
    static boolean residentId(String id) {
        if (!id.matches("[1-8]\\d{16}[\\dX]")) {
            return false;
        }
        try {
            LocalDate birth = LocalDate.parse(id.substring(6, 14), BIRTH);
            if (birth.getYear() < 1930 || birth.getYear() > 2010) {
                return false;
            }
        } catch (DateTimeParseException e) {
            return false;
        }
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            sum += (id.charAt(i) - '0') * (1 << (17 - i)) % 11; // weight of position i is 2^(17-i) mod 11
        }
        int check = (12 - sum % 11) % 11;
        return id.charAt(17) == (check == 10 ? 'X' : (char) ('0' + check));
    }

    /** Luhn, computed from the right, doubling every second digit. */
    static boolean luhn(String digits) {
        int sum = 0;
        for (int i = 0; i < digits.length(); i++) {
            int d = digits.charAt(digits.length() - 1 - i) - '0';
            sum += i % 2 == 1 ? (d * 2) / 10 + (d * 2) % 10 : d;
        }
        return sum % 10 == 0;
    }

    /** A Luhn-valid card of a known network with that network's length. */
    static boolean card(String digits) {
        if (!digits.matches("\\d{15,19}") || !luhn(digits)) {
            return false;
        }
        int two = Integer.parseInt(digits.substring(0, 2));
        int four = Integer.parseInt(digits.substring(0, 4));
        boolean amex = two == 34 || two == 37;
        if (amex) {
            return digits.length() == 15;
        }
        boolean known = two == 62 || digits.startsWith("4") || (two >= 51 && two <= 55)
                || (four >= 2221 && four <= 2720) || (four >= 3528 && four <= 3589);
        return known && digits.length() >= 16;
    }

    /** GB 32100-2015: authority and type, region, organisation code, check with weights 3^i mod 31. */
    static boolean uscc(String code) {
        if (!code.matches("(1[1239]|5[1239]|9[123]|Y1)[1-8]\\d{5}[0-9A-HJ-NPQRTUWXY]{10}")) {
            return false;
        }
        int sum = 0;
        int weight = 1;
        for (int i = 0; i < 17; i++) {
            sum += USCC_CHARS.indexOf(code.charAt(i)) * weight;
            weight = weight * 3 % 31;
        }
        return code.charAt(17) == USCC_CHARS.charAt((31 - sum % 31) % 31);
    }

    /**
     * What a careful reader gets back from a rendering: compatibility-normalised (full-width forms), every script's
     * digits as ASCII, letters upper-case, everything else dropped; an address only upper-cased; a mobile without
     * its country code.
     */
    static String decode(String kind, String rendered) {
        String text = Normalizer.normalize(rendered, Normalizer.Form.NFKC);
        if (kind.equals("email")) {
            return text.toUpperCase(Locale.ROOT);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int digit = Character.digit(c, 10);
            if (digit >= 0) {
                out.append((char) ('0' + digit));
            } else if (Character.isLetter(c)) {
                out.append(Character.toUpperCase(c));
            }
        }
        String value = out.toString();
        return kind.equals("cn-mobile") && value.length() == 13 && value.startsWith("86") ? value.substring(2) : value;
    }

    /** Maximal runs of digits of any script, as ASCII. */
    static List<String> digitRuns(String text) {
        List<String> runs = new ArrayList<>();
        StringBuilder run = new StringBuilder();
        for (int i = 0; i <= text.length(); i++) {
            int digit = i < text.length() ? Character.digit(text.charAt(i), 10) : -1;
            if (digit >= 0) {
                run.append((char) ('0' + digit));
            } else if (run.length() > 0) {
                runs.add(run.toString());
                run.setLength(0);
            }
        }
        return runs;
    }
}
