package dev.switchboard.core.internal.request;

import com.fasterxml.jackson.databind.node.DecimalNode;
import java.math.BigDecimal;

/**
 * A decimal of a request's tree that keeps how the client wrote it: {@code 6.222021234567894E15} and
 * {@code 6222021234567894} are the same {@link BigDecimal}, but the upstream reads the first, and the residency scan
 * of the tree must read what the egress guard will read in the outgoing bytes. {@link #asText()} is that spelling;
 * equality and every numeric view are {@link DecimalNode}'s.
 */
public final class WrittenDecimalNode extends DecimalNode {
    private static final long serialVersionUID = 1L;
    private final String written;

    public WrittenDecimalNode(BigDecimal value, String written) {
        super(value);
        this.written = written;
    }

    /** The number exactly as it stood in the body. */
    public String written() {
        return written;
    }

    @Override
    public String asText() {
        return written;
    }
}
