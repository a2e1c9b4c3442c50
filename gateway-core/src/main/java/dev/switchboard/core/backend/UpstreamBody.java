package dev.switchboard.core.backend;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;

/**
 * The bytes of a request body bound for a backend, as one or more pieces of arrays: usually the client's own bytes
 * around the replaced {@code model} value, so that a transport can write them where they lie (a gathered write)
 * instead of joining them into a new array first. Immutable; the arrays are read, never changed.
 */
public final class UpstreamBody {
    /** {@code length} bytes of {@code array} from {@code offset} (the array is read, never changed). */
    public record Piece(byte[] array, int offset, int length) {
        public Piece {
            Objects.checkFromIndexSize(offset, length, Objects.requireNonNull(array, "array").length);
        }

        /** A whole array. */
        public static Piece of(byte[] array) {
            return new Piece(array, 0, array.length);
        }

        /** {@code array[from, to)}. */
        public static Piece range(byte[] array, int from, int to) {
            return new Piece(array, from, to - from);
        }
    }

    private final List<Piece> pieces;
    private final int length;

    private UpstreamBody(List<Piece> pieces) {
        this.pieces = List.copyOf(pieces);
        int total = 0;
        for (Piece p : this.pieces) {
            total = Math.addExact(total, p.length());
        }
        this.length = total;
    }

    /** A body that is one whole array. */
    public static UpstreamBody of(byte[] bytes) {
        return new UpstreamBody(List.of(Piece.of(bytes)));
    }

    /** A body made of these pieces, in order. */
    public static UpstreamBody of(Piece... pieces) {
        return new UpstreamBody(List.of(pieces));
    }

    /** The number of bytes. */
    public int length() {
        return length;
    }

    /** The pieces, in order. */
    public List<Piece> pieces() {
        return pieces;
    }

    /**
     * The bytes as one array: the only piece's own array when it is a whole one (read it, never change it), else the
     * pieces joined into a new one.
     */
    public byte[] toBytes() {
        if (pieces.size() == 1 && pieces.get(0).offset() == 0 && pieces.get(0).length() == pieces.get(0).array().length) {
            return pieces.get(0).array();
        }
        byte[] out = new byte[length];
        int at = 0;
        for (Piece p : pieces) {
            System.arraycopy(p.array(), p.offset(), out, at, p.length());
            at += p.length();
        }
        return out;
    }

    /** Writes the pieces, in order, to {@code out}. */
    public void writeTo(OutputStream out) throws IOException {
        for (Piece p : pieces) {
            out.write(p.array(), p.offset(), p.length());
        }
    }
}
