package dev.switchboard.testkit.corpus;

/**
 * The check characters of the identifiers the corpus plants. The generators use them so every planted value is
 * one a careful detector must accept; a value with a wrong check character would measure nothing.
 */
public final class Checksums {
    private static final int[] RESIDENT_ID_WEIGHTS = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    private static final String RESIDENT_ID_CHECKS = "10X98765432";

    /** GB 32100-2015's 31 characters: the digits and the capitals without I, O, S, V, Z. */
    static final String USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static final int[] USCC_WEIGHTS = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

    private Checksums() {
    }

    /** The 18th character of a PRC resident ID (ISO 7064 MOD 11-2) for its first 17 digits. */
    public static char residentIdCheck(String first17) {
        require(first17.length() == 17, "a resident ID's first 17 digits", first17);
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            sum += digit(first17.charAt(i)) * RESIDENT_ID_WEIGHTS[i];
        }
        return RESIDENT_ID_CHECKS.charAt(sum % 11);
    }

    /** The digit to append to {@code payload} so the whole passes Luhn. */
    public static char luhnCheckDigit(String payload) {
        int sum = 0;
        // Counted from the right of the final number, whose rightmost digit is the check: payload's last doubles.
        for (int i = payload.length() - 1, doubled = 1; i >= 0; i--, doubled ^= 1) {
            int d = digit(payload.charAt(i));
            if (doubled == 1) {
                d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            }
            sum += d;
        }
        return (char) ('0' + (10 - sum % 10) % 10);
    }

    /** Whether an all-digit string passes Luhn. */
    public static boolean luhnValid(String digits) {
        return digits.length() > 1
                && luhnCheckDigit(digits.substring(0, digits.length() - 1)) == digits.charAt(digits.length() - 1);
    }

    /** Whether the digits start like a card of a network the corpus knows (UnionPay, Visa, Mastercard, Amex, JCB). */
    public static boolean hasCardPrefix(String digits) {
        if (digits.length() < 4) {
            return false;
        }
        int two = Integer.parseInt(digits.substring(0, 2));
        int four = Integer.parseInt(digits.substring(0, 4));
        return two == 62 || digits.charAt(0) == '4' || (two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)
                || two == 34 || two == 37 || (four >= 3528 && four <= 3589);
    }

    /** The 18th character of a unified social credit code (GB 32100-2015) for its first 17 characters. */
    public static char usccCheck(String first17) {
        require(first17.length() == 17, "a credit code's first 17 characters", first17);
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            int value = USCC_CHARSET.indexOf(first17.charAt(i));
            require(value >= 0, "credit code characters", first17);
            sum += value * USCC_WEIGHTS[i];
        }
        return USCC_CHARSET.charAt((31 - sum % 31) % 31);
    }

    private static int digit(char c) {
        require(c >= '0' && c <= '9', "ASCII digits", String.valueOf(c));
        return c - '0';
    }

    private static void require(boolean ok, String expected, String got) {
        if (!ok) {
            throw new IllegalArgumentException("expected " + expected + ", got '" + got + "'");
        }
    }
}
