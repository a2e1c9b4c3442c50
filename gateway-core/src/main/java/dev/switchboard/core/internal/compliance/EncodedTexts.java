package dev.switchboard.core.internal.compliance;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Texts hidden in base64 — a JWT's payload, an encoded document, a {@code Basic} credential, a tool's encoded
 * argument: a model decodes them as readily as it reads plain text, so the detectors read them too. A run of base64
 * letters is decoded when it is long enough to hold a value (12 letters: 9 bytes) and looks like base64 (upper
 * and lower case letters both, one alphabet); what it holds is read when it is UTF-8 text, not binary.
 *
 * <p>Runs are found by looking at every twelfth char: a run that long must hold the char looked at, so prose,
 * whose words are shorter, is passed over at a fraction of its length.
 */
final class EncodedTexts {
    /** The shortest run decoded: 9 bytes, the shortest value the detectors know alone (a passport, E12345678). */
    static final int SHORTEST = 12;
    /** How much of a run is decoded to tell text from binary before the whole is (a picture's megabytes). */
    private static final int PROBE = 4096;

    /** A run of base64 at {@code [start, end)} of the text, and the text it decodes to. */
    record Decoded(int start, int end, String text) {
    }

    private EncodedTexts() {
    }

    /**
     * Every run of base64 in {@code t} that decodes to text, as {@link #in} finds them, with the escapes base64 is
     * written with inside other text read first: a JSON string inside a string (a tool call's arguments) writes
     * {@code \\/} and an escaped line break {@code \\n}, a URL writes {@code %2B}, {@code %2F} and {@code %3D}.
     * Offsets are {@code t}'s.
     */
    static List<Decoded> inEscaped(CharSequence t) {
        int n = t.length();
        int first = -1;
        for (int k = 0; k + 1 < n && first < 0; k++) {
            if (escape(t, k, n) > 0) {
                first = k;
            }
        }
        if (first < 0) {
            return in(t);
        }
        StringBuilder read = new StringBuilder(n);
        int[] origin = new int[n + 1];
        read.append(t, 0, first);
        for (int k = 0; k < first; k++) {
            origin[k] = k;
        }
        for (int k = first; k < n; ) {
            int length = escape(t, k, n);
            origin[read.length()] = k;
            if (length > 0) {
                read.append(escaped(t, k));
                k += length;
            } else {
                read.append(t.charAt(k));
                k++;
            }
        }
        origin[read.length()] = n;
        List<Decoded> runs = in(read);
        List<Decoded> out = new ArrayList<>(runs.size());
        for (Decoded run : runs) {
            out.add(new Decoded(origin[run.start()], origin[run.end()], run.text()));
        }
        return out;
    }

    /** The length of an escape base64 is written with at {@code k}, or 0. */
    private static int escape(CharSequence t, int k, int n) {
        char c = t.charAt(k);
        if (c == '\\' && k + 1 < n) {
            char next = t.charAt(k + 1);
            return next == '/' || next == 'n' || next == 'r' ? 2 : 0;
        }
        if (c == '%' && k + 2 < n) {
            char high = t.charAt(k + 1);
            char low = (char) (t.charAt(k + 2) | 0x20);
            return high == '2' && (low == 'b' || low == 'f') || high == '3' && low == 'd' ? 3 : 0;
        }
        return 0;
    }

    /** The char the escape at {@code k} writes. */
    private static char escaped(CharSequence t, int k) {
        char next = t.charAt(k + 1);
        if (t.charAt(k) == '\\') {
            return next == '/' ? '/' : next == 'n' ? '\n' : '\r';
        }
        char low = (char) (t.charAt(k + 2) | 0x20);
        return next == '3' ? '=' : low == 'b' ? '+' : '/';
    }

    /** Every run of base64 in {@code t} that decodes to text, in order; an empty list for most texts. */
    static List<Decoded> in(CharSequence t) {
        int n = t.length();
        List<Decoded> out = List.of();
        int i = 0;
        while (i + SHORTEST <= n) {
            int p = i + SHORTEST - 1;
            if (!letter(t.charAt(p))) {
                i = p + 1; // no run of SHORTEST starting in [i, p] can miss p
                continue;
            }
            int start = p;
            while (start > i && letter(t.charAt(start - 1))) {
                start--;
            }
            int end = runEnd(t, p + 1, n);
            // Base64 wrapped in lines (MIME's 76 letters, PEM's 64) is one run, so a value across two lines is whole:
            // lines of the first one's length, the last one shorter. If that is no text, the first line alone is tried
            // (a word on the next line may have been taken for the last one).
            int whole = wrapped(t, start, end, n);
            String text = end - start >= SHORTEST ? decode(t, start, whole) : null;
            if (text == null && whole > end && end - start >= SHORTEST) {
                text = decode(t, start, end);
            } else if (text != null) {
                end = whole;
            }
            // Base64 after a prefix its letters run on from — a URL path ("/share/Y2Fy…"), "token_", "id-" — starts
            // after one of the marks near the run's start: tried there when the whole run is no text.
            for (int k = start + 1, tries = 0; text == null && k < end - SHORTEST && k < start + 64 && tries < 4;
                    k++) {
                char before = t.charAt(k - 1);
                if (before == '/' || before == '-' || before == '_') {
                    tries++;
                    text = decode(t, k, end);
                    if (text != null) {
                        start = k;
                    }
                }
            }
            if (text != null) {
                if (out.isEmpty()) {
                    out = new ArrayList<>(2);
                }
                int padded = end;
                while (padded < n && padded - end < 2 && t.charAt(padded) == '=') {
                    padded++;
                }
                out.add(new Decoded(start, padded, text));
            }
            i = end + 1;
        }
        return out;
    }

    /** Where the lines of base64 from the line {@code [start, end)} on end: lines of its length, the last shorter. */
    private static int wrapped(CharSequence t, int start, int end, int n) {
        int width = end - start;
        if (width < 16 || width % 4 != 0) {
            return end;
        }
        int at = end;
        while (lineBreak(t, at, n) > 0) {
            int next = at + lineBreak(t, at, n);
            int lineEnd = runEnd(t, next, n);
            if (lineEnd == next || lineEnd - next > width) {
                break;
            }
            at = lineEnd;
            if (lineEnd - next < width) {
                break;
            }
        }
        return at;
    }

    private static int runEnd(CharSequence t, int from, int n) {
        int end = from;
        while (end < n && letter(t.charAt(end))) {
            end++;
        }
        return end;
    }

    /** The length of the line break at {@code at} ({@code \n} or {@code \r\n}), or 0. */
    private static int lineBreak(CharSequence t, int at, int n) {
        if (at < n && t.charAt(at) == '\n') {
            return 1;
        }
        return at + 1 < n && t.charAt(at) == '\r' && t.charAt(at + 1) == '\n' ? 2 : 0;
    }

    /** A letter of either base64 alphabet: the standard one's {@code + /} or the URL-safe one's {@code - _}. */
    private static boolean letter(char c) {
        return NormalizedText.base64Alphabet(c);
    }

    /** The text {@code [start, end)} decodes to, or null when it is no base64 of UTF-8 text. */
    private static String decode(CharSequence t, int start, int end) {
        boolean upper = false;
        boolean lower = false;
        boolean standard = false;
        boolean urlSafe = false;
        int length = 0;
        for (int k = start; k < end; k++) {
            char c = t.charAt(k);
            length += c == '\n' || c == '\r' ? 0 : 1;
            upper |= c >= 'A' && c <= 'Z';
            lower |= c >= 'a' && c <= 'z';
            standard |= c == '+' || c == '/';
            urlSafe |= c == '-' || c == '_';
        }
        // Words, paths and identifiers in one case ("/v1/chat/completions", "card-number-for-the") are no base64;
        // neither is a run that mixes both alphabets.
        if (!upper || !lower || standard && urlSafe) {
            return null;
        }
        Base64.Decoder decoder = urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder();
        if (length > PROBE && text(bytes(decoder, t, start, end, PROBE)) == null) {
            return null;
        }
        return text(bytes(decoder, t, start, end, length % 4 == 1 ? length - 1 : length));
    }

    /** The first {@code letters} letters of {@code [start, end)}, line breaks left out, decoded. */
    private static byte[] bytes(Base64.Decoder decoder, CharSequence t, int start, int end, int letters) {
        byte[] ascii = new byte[letters];
        for (int k = start, at = 0; k < end && at < letters; k++) {
            char c = t.charAt(k);
            if (c != '\n' && c != '\r') {
                ascii[at++] = (byte) c;
            }
        }
        try {
            return decoder.decode(ascii); // unpadded input is accepted; a last group of one letter is not
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The bytes as text when they are text: UTF-8 (or UTF-16, as PowerShell encodes a command) in which at most one
     * char in ten is malformed or a control char — binary, and the identifiers and keys that look like base64, are
     * far from that, while one stray byte (a colour code in a log, a NUL at the end) does not hide a document. Control
     * chars are read as spaces. Null otherwise.
     */
    private static String text(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return null;
        }
        String text = new String(bytes, utf16(bytes, 1) ? StandardCharsets.UTF_16LE
                : utf16(bytes, 0) ? StandardCharsets.UTF_16BE : StandardCharsets.UTF_8);
        int bad = 0;
        boolean controls = false;
        for (int k = 0; k < text.length(); k++) {
            char c = text.charAt(k);
            if (c == '\uFFFD') {
                bad++; // a malformed byte reads as the replacement char
            } else if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7F) {
                bad++;
                controls = true;
            }
        }
        if (bad * 10 > text.length()) {
            return null;
        }
        if (!controls) {
            return text;
        }
        char[] chars = text.toCharArray();
        for (int k = 0; k < chars.length; k++) {
            if (chars[k] < 0x20 && chars[k] != '\n' && chars[k] != '\r' && chars[k] != '\t' || chars[k] == 0x7F) {
                chars[k] = ' ';
            }
        }
        return new String(chars);
    }

    /** Whether nine in ten of the bytes at {@code parity} (1: odd, little-endian) are zero: ASCII text in UTF-16. */
    private static boolean utf16(byte[] bytes, int parity) {
        if (bytes.length < 8) {
            return false;
        }
        int zeros = 0;
        for (int k = parity; k < bytes.length; k += 2) {
            zeros += bytes[k] == 0 ? 1 : 0;
        }
        return zeros * 10 >= (bytes.length / 2) * 9;
    }
}
