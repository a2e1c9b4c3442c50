package dev.switchboard.testkit.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Whether a body that left for an external model holds anything of the customer data planted in a corpus case,
 * judged against the case's clean twin, text by text, without any of the gateway's own detectors: every string,
 * key and number of what left, its placeholders ({@code [BANK_CARD_1]}) taken out, may hold only digits that its
 * twin holds at the same place, in the same order. Digits are read in every script; separators and invisible
 * characters do not matter. A placeholder that swallowed more than the value (an amount next to it) is allowed;
 * one digit of a planted value that is still there is a leak.
 */
public final class LeakCheck {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PLACEHOLDER = Pattern.compile("\\[[A-Z][A-Z0-9_]*_\\d+\\]");

    private LeakCheck() {
    }

    /**
     * The paths where {@code sent} holds digits its clean twin does not: empty when nothing leaked. Fields the
     * gateway itself sets ({@code model}, {@code stream_options}) are not compared.
     */
    public static List<String> leaks(String clean, String sent) {
        List<String> out = new ArrayList<>();
        compare(read(clean), read(sent), "", out);
        return out;
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + json, e);
        }
    }

    private static void compare(JsonNode clean, JsonNode sent, String path, List<String> out) {
        if (sent.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> s = sent.fields();
            Iterator<Map.Entry<String, JsonNode>> c = clean.isObject() ? clean.fields() : null;
            while (s.hasNext()) {
                Map.Entry<String, JsonNode> e = s.next();
                if (path.isEmpty() && (e.getKey().equals("model") || e.getKey().equals("stream_options"))) {
                    if (c != null && c.hasNext() && clean.has(e.getKey())) {
                        c.next();
                    }
                    continue;
                }
                Map.Entry<String, JsonNode> twin = c != null && c.hasNext() ? c.next() : null;
                String at = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                check(twin == null ? "" : twin.getKey(), e.getKey(), at + " (key)", out);
                compare(twin == null ? JSON.nullNode() : twin.getValue(), e.getValue(), at, out);
            }
        } else if (sent.isArray()) {
            for (int i = 0; i < sent.size(); i++) {
                compare(clean.isArray() && i < clean.size() ? clean.get(i) : JSON.nullNode(), sent.get(i),
                        path + "[" + i + "]", out);
            }
        } else if (sent.isValueNode() && !sent.isNull() && !sent.isBoolean()) {
            check(clean.isValueNode() && !clean.isNull() ? clean.asText() : "", sent.asText(), path, out);
        }
    }

    private static void check(String clean, String sent, String path, List<String> out) {
        String kept = digits(PLACEHOLDER.matcher(sent).replaceAll(" "));
        String allowed = digits(clean);
        if (!subsequence(kept, allowed)) {
            out.add(path + ": digits " + kept + " where the clean twin has " + allowed);
        }
    }

    /** Every decimal digit of a text, in any script, as ASCII, in order. */
    static String digits(String text) {
        StringBuilder sb = new StringBuilder();
        text.codePoints().forEach(cp -> {
            int d = Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER ? Character.digit(cp, 10) : -1;
            if (d >= 0) {
                sb.append((char) ('0' + d));
            }
        });
        return sb.toString();
    }

    private static boolean subsequence(String part, String whole) {
        int at = 0;
        for (int i = 0; i < part.length(); i++) {
            at = whole.indexOf(part.charAt(i), at);
            if (at < 0) {
                return false;
            }
            at++;
        }
        return true;
    }
}
