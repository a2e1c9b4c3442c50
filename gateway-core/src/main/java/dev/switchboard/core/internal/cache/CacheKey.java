package dev.switchboard.core.internal.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The identity of an answer: a SHA-256 over the route, the scope (tenant or shared) and every field of the request
 * that can change the output — messages, tools, sampling parameters, response_format, vendor fields — written in a
 * canonical form, so that key order and whitespace do not matter and any change of content does. Fields that do
 * not change the answer's content are left out: the route alias (the route stands for it), {@code stream} and
 * {@code stream_options} (a hit is served either way), {@code user}, {@code metadata} and {@code store}.
 */
public final class CacheKey {
    private static final Set<String> IGNORED = Set.of("model", "stream", "stream_options", "user", "metadata", "store");

    private CacheKey() {
    }

    public static String of(String route, String scope, JsonNode request) {
        StringBuilder canonical = new StringBuilder(256);
        canonical.append(route).append('\u0000').append(scope).append('\u0000');
        List<String> names = new ArrayList<>();
        request.fieldNames().forEachRemaining(names::add);
        Collections.sort(names);
        canonical.append('{');
        for (String name : names) {
            if (!IGNORED.contains(name)) {
                canonical.append(quote(name)).append(':');
                write(request.get(name), canonical);
                canonical.append(',');
            }
        }
        canonical.append('}');
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(canonical.toString()
                    .getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder(64);
            for (byte b : hash) {
                hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Objects with sorted keys, numbers by value ({@code 0}, {@code 0.0} and {@code 0e0} are the same), the rest as JSON. */
    private static void write(JsonNode node, StringBuilder out) {
        if (node instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            Collections.sort(names);
            out.append('{');
            for (String name : names) {
                out.append(quote(name)).append(':');
                write(o.get(name), out);
                out.append(',');
            }
            out.append('}');
        } else if (node instanceof ArrayNode a) {
            out.append('[');
            for (JsonNode item : a) {
                write(item, out);
                out.append(',');
            }
            out.append(']');
        } else if (node.isNumber()) {
            // By value, as digits and a power of ten: the plain form would write 1e999999999 out in full (a
            // billion chars from an 11-byte field), and a body's numbers are the client's to choose.
            java.math.BigDecimal value = node.decimalValue().stripTrailingZeros();
            out.append(value.unscaledValue()).append('e').append(-value.scale());
        } else {
            out.append(node.toString());
        }
    }

    private static String quote(String s) {
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(s).toString();
    }
}
