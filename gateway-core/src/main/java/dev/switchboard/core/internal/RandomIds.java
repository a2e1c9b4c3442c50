package dev.switchboard.core.internal;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Identifiers for requests and decisions: 32 random hex digits. They only need to be unique, not secret, so
 * they come from {@link ThreadLocalRandom} instead of {@code UUID.randomUUID()}, whose shared SecureRandom is a
 * point of contention on the request path. No more than {@link #DIGIT_RUN} decimal digits stand in a row (every sixth
 * char is a letter, about 121 random bits): no such id can hold a value the residency detectors know, so logs
 * and metrics record it as it is without reading it ({@code CompliancePolicy.recordable}).
 */
public final class RandomIds {
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    /** The longest run of decimal digits in an id. */
    public static final int DIGIT_RUN = 5;

    private RandomIds() {
    }

    /**
     * Every sixth char of an id (the sixth, twelfth, …) is one of the letters a–f, so no more than {@link #DIGIT_RUN}
     * digits stand in a row whatever was drawn, with no branch on the draw (a fix-up that looked at each digit cost
     * more than the draw itself): 27 chars of 16 values and 5 of 6, about 121 random bits. Written as Latin-1 bytes,
     * which is what a {@code String} of these chars holds anyway.
     */
    public static String next(String prefix) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int at = prefix.length();
        byte[] out = new byte[at + 32];
        for (int k = 0; k < at; k++) {
            out[k] = (byte) prefix.charAt(k);
        }
        long high = r.nextLong();
        long low = r.nextLong();
        for (int j = 0; j < 16; j++) {
            out[at + j] = CHARS_AT[j][(int) (high >>> 4 * j) & 0xF];
            out[at + 16 + j] = CHARS_AT[16 + j][(int) (low >>> 4 * j) & 0xF];
        }
        return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** For each of an id's 32 places, the char each of 16 drawn values is written as there. */
    private static final byte[][] CHARS_AT = new byte[32][16];

    static {
        for (int j = 0; j < 32; j++) {
            for (int v = 0; v < 16; v++) {
                CHARS_AT[j][v] = (byte) (j % (DIGIT_RUN + 1) == DIGIT_RUN ? 'a' + v % 6 : HEX[v]);
            }
        }
    }
}
