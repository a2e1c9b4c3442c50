package dev.switchboard.core.internal.request;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The {@code o200k_base} vocabulary in three flat arrays: every token's bytes one after another, where each token
 * starts, and an open-addressing table from a byte string's hash to its rank. It is read from the vocabulary file
 * that jtokkit ships ({@code o200k_base.tiktoken}: one token a line, its bytes in base64 and its rank, the ranks in
 * order) without building jtokkit's maps: about 4 MB of arrays instead of some 200,000 keys and boxed values, read
 * in about a fifth of the time on a cold core (measured in BENCHMARKS.md, start-up). Immutable once built, so every
 * thread reads it without locks.
 */
final class O200kRanks {
    /** What {@link #rank} answers for bytes that are no token. */
    static final int NONE = Integer.MAX_VALUE;

    private static final String RESOURCE = "/com/knuddels/jtokkit/o200k_base.tiktoken";
    private static final int[] BASE64 = base64Digits();

    private final byte[] bytes;
    /** Token {@code r} is {@code bytes[starts[r], starts[r + 1])}. */
    private final int[] starts;
    /** Ranks by hash, linear probing; -1 marks an empty slot. */
    private final int[] slots;
    private final int mask;

    private O200kRanks(byte[] bytes, int[] starts, int tokens) {
        this.bytes = bytes;
        this.starts = starts;
        this.slots = new int[Integer.highestOneBit(Math.max(1, tokens)) << 2]; // at most half full
        this.mask = slots.length - 1;
        Arrays.fill(slots, -1);
        for (int rank = 0; rank < tokens; rank++) {
            int slot = hash(bytes, starts[rank], starts[rank + 1]) & mask;
            while (slots[slot] >= 0) {
                slot = (slot + 1) & mask;
            }
            slots[slot] = rank;
        }
    }

    static O200kRanks load() {
        try (InputStream in = O200kRanks.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the o200k_base vocabulary " + RESOURCE + " is not on the class path"
                        + " (it comes with com.knuddels:jtokkit)");
            }
            return parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the o200k_base vocabulary " + RESOURCE, e);
        }
    }

    /** Reads the tiktoken format: {@code base64 rank\n} per token, ranks counting up from 0. */
    static O200kRanks parse(byte[] file) {
        byte[] tokenBytes = new byte[file.length]; // base64 is longer than what it encodes
        int[] starts = new int[1 + lines(file)];
        int tokens = 0;
        int length = 0;
        int at = 0;
        while (at < file.length) {
            starts[tokens] = length;
            int bits = 0;
            int pending = 0;
            for (; at < file.length && file[at] != ' '; at++) {
                int digit = BASE64[file[at] & 0xFF];
                if (digit >= 0) { // '=' pads and is skipped
                    pending = (pending << 6) | digit;
                    bits += 6;
                    if (bits >= 8) {
                        bits -= 8;
                        tokenBytes[length++] = (byte) (pending >> bits);
                    }
                }
            }
            int rank = 0;
            for (at++; at < file.length && file[at] != '\n'; at++) {
                if (file[at] != '\r') {
                    rank = rank * 10 + (file[at] - '0');
                }
            }
            at++;
            if (rank != tokens || length == starts[tokens]) {
                throw new IllegalStateException("the o200k_base vocabulary is not in rank order at line " + (tokens + 1));
            }
            tokens++;
        }
        starts[tokens] = length;
        return new O200kRanks(Arrays.copyOf(tokenBytes, length), Arrays.copyOf(starts, tokens + 1), tokens);
    }

    /** The rank of {@code piece[from, to)} as one token, or {@link #NONE}. */
    int rank(byte[] piece, int from, int to) {
        int length = to - from;
        for (int slot = hash(piece, from, to) & mask; ; slot = (slot + 1) & mask) {
            int rank = slots[slot];
            if (rank < 0) {
                return NONE;
            }
            int start = starts[rank];
            if (starts[rank + 1] - start == length
                    && Arrays.equals(bytes, start, start + length, piece, from, to)) {
                return rank;
            }
        }
    }

    int size() {
        return starts.length - 1;
    }

    private static int hash(byte[] b, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + b[i];
        }
        h ^= h >>> 16; // spread: linear probing needs the low bits to differ
        h *= 0x85EBCA6B;
        return h ^ (h >>> 13);
    }

    private static int lines(byte[] file) {
        int n = 0;
        for (byte b : file) {
            if (b == '\n') {
                n++;
            }
        }
        return file.length > 0 && file[file.length - 1] != '\n' ? n + 1 : n;
    }

    private static int[] base64Digits() {
        int[] digits = new int[256];
        Arrays.fill(digits, -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.length(); i++) {
            digits[alphabet.charAt(i)] = i;
        }
        return digits;
    }
}
