package dev.switchboard.core.internal;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Identifiers for requests and decisions: 128 random bits in hex. They only need to be unique, not secret, so
 * they come from {@link ThreadLocalRandom} instead of {@code UUID.randomUUID()}, whose shared SecureRandom is a
 * point of contention on the request path.
 */
public final class RandomIds {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RandomIds() {
    }

    public static String next(String prefix) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] out = new char[prefix.length() + 32];
        prefix.getChars(0, prefix.length(), out, 0);
        write(r.nextLong(), out, prefix.length());
        write(r.nextLong(), out, prefix.length() + 16);
        return new String(out);
    }

    private static void write(long v, char[] out, int at) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = HEX[(int) (v & 0xF)];
            v >>>= 4;
        }
    }
}
