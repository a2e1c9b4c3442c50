package dev.switchboard.testkit.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A request body with markers where values go, rendered twice: once with the values (the planted body) and once
 * with neutral phrases (the clean twin). Both come from one tree, so they have the same structure by
 * construction. Markers are private-use characters, which no filler text contains.
 *
 * <p>A tool call's {@code arguments} is held as an object while sketching and encoded to its JSON string only
 * when rendering, with the markers in it replaced, so a value inside it is escaped the way a client would.
 */
final class BodySketch {
    private static final char TEXT_MARK = '\uE000';
    private static final char NUMBER_MARK = '\uE002';
    private static final char END_MARK = '\uE001';

    final ObjectNode root = JsonNodeFactory.instance.objectNode();
    private final List<Slot> slots = new ArrayList<>();
    private final Map<Site, List<Slot>> hosts = new EnumMap<>(Site.class);
    private final Map<Site, List<Slot[]>> pairs = new EnumMap<>(Site.class);
    /** What marker {@code i} stands for: the value's text (or digits) and the clean twin's phrase. */
    private record Replacement(String planted, String clean) {
    }

    private final List<Replacement> replacements = new ArrayList<>();

    /** Registers a slot under its site. */
    Slot add(Slot slot) {
        slots.add(slot);
        hosts.computeIfAbsent(slot.site, s -> new ArrayList<>()).add(slot);
        return slot;
    }

    /** Registers two slots the model reads one right after the other, for {@code family}'s split values. */
    void pair(Site family, Slot first, Slot second) {
        pairs.computeIfAbsent(family, s -> new ArrayList<>()).add(new Slot[] {first, second});
    }

    /** The sites that can still take a value. */
    List<Site> openSites() {
        return hosts.entrySet().stream().filter(e -> e.getValue().stream().anyMatch(Slot::free))
                .map(Map.Entry::getKey).toList();
    }

    /** A random free slot of {@code site}; the builders guarantee one for the site they were asked for. */
    Slot host(Site site, RandomGenerator rng) {
        List<Slot> free = hosts.getOrDefault(site, List.of()).stream().filter(Slot::free).toList();
        if (free.isEmpty()) {
            throw new IllegalStateException("no free slot for " + site.label());
        }
        return SensitiveValues.pick(free, rng);
    }

    /** A random pair of adjacent slots for a split value ({@code family} without the gap variant). */
    Slot[] pair(Site family, RandomGenerator rng) {
        List<Slot[]> candidates = pairs.getOrDefault(family, List.of());
        if (candidates.isEmpty()) {
            throw new IllegalStateException("no adjacent slots for " + family.label());
        }
        return SensitiveValues.pick(candidates, rng);
    }

    /** A marker for text that is {@code planted} in the planted body and {@code clean} in the clean twin. */
    String textMarker(String planted, String clean) {
        replacements.add(new Replacement(planted, clean));
        return TEXT_MARK + Integer.toString(replacements.size() - 1) + END_MARK;
    }

    /**
     * A marker for a whole JSON value that is the number {@code digits} in the planted body and {@code 0} in the
     * clean twin: a number field must stay a number.
     */
    String numberMarker(String digits) {
        replacements.add(new Replacement(digits, "0"));
        return NUMBER_MARK + Integer.toString(replacements.size() - 1) + END_MARK;
    }

    /** Writes every slot into the tree; call once, after planting. */
    void seal() {
        slots.forEach(Slot::write);
    }

    /** The body as JSON: the planted body, or the clean twin. */
    String render(boolean planted) {
        StringBuilder out = new StringBuilder(4096);
        write(out, root, planted);
        return out.toString();
    }

    /**
     * Writes the tree as compact JSON with the markers replaced (non-ASCII written as is, as Jackson does),
     * without copying the tree per rendering: a Jackson generator per body cost more than building the body.
     */
    private void write(StringBuilder out, JsonNode node, boolean planted) {
        if (node.isObject()) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                out.append(first ? "" : ",");
                first = false;
                string(out, field.getKey());
                out.append(':');
                if (field.getKey().equals("arguments") && field.getValue().isObject()) {
                    StringBuilder arguments = new StringBuilder(256);
                    write(arguments, field.getValue(), planted);
                    string(out, arguments.toString());
                } else {
                    write(out, field.getValue(), planted);
                }
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                out.append(i == 0 ? "" : ",");
                write(out, node.get(i), planted);
            }
            out.append(']');
        } else if (node.isTextual()) {
            String text = node.textValue();
            if (!text.isEmpty() && text.charAt(0) == NUMBER_MARK) {
                Replacement r = replacements.get(Integer.parseInt(text.substring(1, text.length() - 1)));
                out.append(planted ? r.planted() : r.clean());
            } else {
                string(out, text.indexOf(TEXT_MARK) < 0 ? text : replaceMarkers(text, planted));
            }
        } else {
            out.append(node.asText()); // numbers, booleans, null: their text is their JSON
        }
    }

    /** A JSON string literal: quote, backslash and control characters escaped, everything else as is. */
    private static void string(StringBuilder out, String text) {
        out.append('"');
        if (!needsEscape(text)) {
            out.append(text).append('"'); // the usual case, copied in bulk
            return;
        }
        int from = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            out.append(text, from, i);
            from = i + 1;
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(String.format("\\u%04X", (int) c));
            }
        }
        out.append(text, from, text.length()).append('"');
    }

    private static boolean needsEscape(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') {
                return true;
            }
        }
        return false;
    }

    private String replaceMarkers(String text, boolean planted) {
        StringBuilder out = new StringBuilder(text.length() + 32);
        int from = 0;
        for (int start = text.indexOf(TEXT_MARK); start >= 0; start = text.indexOf(TEXT_MARK, from)) {
            int end = text.indexOf(END_MARK, start);
            Replacement r = replacements.get(Integer.parseInt(text.substring(start + 1, end)));
            out.append(text, from, start).append(planted ? r.planted() : r.clean());
            from = end + 1;
        }
        return out.append(text, from, text.length()).toString();
    }
}
