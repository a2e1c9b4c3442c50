package dev.switchboard.core.internal.compliance;

import dev.switchboard.core.compliance.Detectors;
import dev.switchboard.core.compliance.Finding;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The placeholders of one request: each distinct sensitive value gets one, typed by its kind
 * ({@code [ID_CARD_1]}, {@code [BANK_CARD_2]}, {@code [MOBILE_1]}, {@code [EMAIL_1]}), the same value always the
 * same placeholder, so the model can still refer to it. Lives only as long as the request.
 */
public final class Masking {
    private final Map<String, String> byValue = new LinkedHashMap<>();
    private final Map<String, String> byPlaceholder = new LinkedHashMap<>();
    private final Map<String, Integer> counters = new LinkedHashMap<>();

    static String prefix(String kind) {
        return switch (kind) {
            case Detectors.RESIDENT_ID -> "ID_CARD";
            case Detectors.BANK_CARD -> "BANK_CARD";
            case Detectors.MOBILE -> "MOBILE";
            case Detectors.EMAIL -> "EMAIL";
            case Detectors.PASSPORT -> "PASSPORT";
            case Detectors.CREDIT_CODE -> "CREDIT_CODE";
            case Detectors.BANK_ACCOUNT -> "ACCOUNT";
            default -> kind.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]+", "_");
        };
    }

    /** The text with every finding replaced by its placeholder. */
    String apply(String text, List<Finding> findings) {
        if (findings.isEmpty()) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length());
        int at = 0;
        for (Finding f : findings) {
            StringBuilder value = new StringBuilder();
            f.spans().forEach(span -> value.append(text, span.start(), span.end()));
            String placeholder = placeholder(f.kind(), value.toString());
            for (Finding.Span span : f.spans()) {
                sb.append(text, at, span.start()).append(placeholder);
                at = span.end();
            }
        }
        return sb.append(text, at, text.length()).toString();
    }

    /** The placeholder of a value of a kind: the same value, the same placeholder, for the whole request. */
    String placeholder(String kind, String value) {
        return byValue.computeIfAbsent(kind + '\u0000' + value, k -> {
            String p = prefix(kind);
            int n = counters.merge(p, 1, Integer::sum);
            String ph = "[" + p + "_" + n + "]";
            byPlaceholder.put(ph, value);
            return ph;
        });
    }

    /** Placeholder → original value. */
    public Map<String, String> placeholders() {
        return java.util.Collections.unmodifiableMap(byPlaceholder);
    }

    public boolean isEmpty() {
        return byPlaceholder.isEmpty();
    }

    /** The text with every known placeholder put back. */
    public String restore(String text) {
        if (byPlaceholder.isEmpty() || text.indexOf('[') < 0) {
            return text;
        }
        String out = text;
        for (Map.Entry<String, String> e : byPlaceholder.entrySet()) {
            out = out.replace(e.getKey(), e.getValue());
        }
        return out;
    }
}
