package dev.switchboard.core.internal;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Identifiers for requests and decisions: 32 random hex digits. They only need to be unique, not secret, so
 * they come from {@link ThreadLocalRandom} instead of {@code UUID.randomUUID()}, whose shared SecureRandom is a
 * point of contention on the request path. No more than {@link #DIGIT_RUN} decimal digits stand in a row (a sixth
 * becomes a letter, about 120 random bits left): no such id can hold a value the residency detectors know, so logs
 * and metrics record it as it is without reading it ({@code CompliancePolicy.recordable}).
 */
public final class RandomIds {
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    /** The longest run of decimal digits in an id. */
    public static final int DIGIT_RUN = 5;

    private RandomIds() {
    }

    public static String next(String prefix) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] out = new char[prefix.length() + 32];
        prefix.getChars(0, prefix.length(), out, 0);
        write(r.nextLong(), out, prefix.length());
        write(r.nextLong(), out, prefix.length() + 16);
        int run = 0;
        for (int k = prefix.length(); k < out.length; k++) {
            run = out[k] <= '9' ? run + 1 : 0;
            if (run > DIGIT_RUN) {
                out[k] = HEX[10 + (out[k] - '0') % 6];
                run = 0;
            }
        }
        return new String(out);
    }

    private static void write(long v, char[] out, int at) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = HEX[(int) (v & 0xF)];
            v >>>= 4;
        }
    }
}
