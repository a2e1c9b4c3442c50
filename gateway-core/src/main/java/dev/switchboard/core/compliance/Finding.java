package dev.switchboard.core.compliance;

import java.util.List;

/**
 * One sensitive value found in a text: its kind and where it is — one span, or several for a value given in parts
 * ("card starts 62220212, and ends 34567894"). The value itself is not kept here, so a finding can be logged safely.
 *
 * @param kind  e.g. {@code cn-resident-id}, {@code bank-card}, or a custom detector's name
 * @param spans where its characters are, in order; words between the parts are not part of it
 */
public record Finding(String kind, List<Span> spans) {
    /** Characters {@code [start, end)} of the scanned text. */
    public record Span(int start, int end) {
        public Span {
            if (start < 0 || end < start) {
                throw new IllegalArgumentException("span [" + start + ", " + end + ") (expected: 0 <= start <= end)");
            }
        }
    }

    public Finding {
        spans = List.copyOf(spans);
        if (spans.isEmpty()) {
            throw new IllegalArgumentException("a finding needs at least one span");
        }
    }

    /** A finding of one span. */
    public Finding(String kind, int start, int end) {
        this(kind, List.of(new Span(start, end)));
    }

    /** Offset of its first character. */
    public int start() {
        return spans.get(0).start();
    }

    /** Offset after its last character. */
    public int end() {
        return spans.get(spans.size() - 1).end();
    }
}
