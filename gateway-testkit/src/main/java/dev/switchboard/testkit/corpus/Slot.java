package dev.switchboard.testkit.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * One place in a body sketch that can take a value: a text of sentences (a message's content, a description), a
 * short field (a name, an enum value) or a number. The builders fill it with ordinary text; planting adds a
 * value's marker; {@link #write()} puts the result into the tree once everything is planted.
 */
final class Slot {
    private enum Shape { PROSE, SHORT, NUMBER }

    final Site site;
    final String path;
    final Lang lang;
    private final Shape shape;
    private final JsonNode container;
    private final String field;
    private final int index;
    private final List<String> sentences;
    private String text;
    private final long number;
    private String head = "";
    private String tail = "";
    private boolean taken;

    private Slot(Site site, String path, Lang lang, Shape shape, JsonNode container, String field, int index,
            List<String> sentences, String text, long number) {
        this.site = site;
        this.path = path;
        this.lang = lang;
        this.shape = shape;
        this.container = container;
        this.field = field;
        this.index = index;
        this.sentences = sentences == null ? null : new ArrayList<>(sentences);
        this.text = text;
        this.number = number;
    }

    /** Sentences in {@code object.field}. */
    static Slot prose(Site site, String path, Lang lang, ObjectNode object, String field, List<String> sentences) {
        return new Slot(site, path, lang, Shape.PROSE, object, field, -1, sentences, null, 0);
    }

    /** Sentences as element {@code index} of {@code array}. */
    static Slot prose(Site site, String path, Lang lang, ArrayNode array, int index, List<String> sentences) {
        return new Slot(site, path, lang, Shape.PROSE, array, null, index, sentences, null, 0);
    }

    /** A short text in {@code object.field}. */
    static Slot text(Site site, String path, Lang lang, ObjectNode object, String field, String text) {
        return new Slot(site, path, lang, Shape.SHORT, object, field, -1, null, text, 0);
    }

    /** A short text as element {@code index} of {@code array}. */
    static Slot text(Site site, String path, Lang lang, ArrayNode array, int index, String text) {
        return new Slot(site, path, lang, Shape.SHORT, array, null, index, null, text, 0);
    }

    /** An integer in {@code object.field}. */
    static Slot number(Site site, String path, ObjectNode object, String field, long value) {
        return new Slot(site, path, Lang.EN, Shape.NUMBER, object, field, -1, null, null, value);
    }

    /** Whether another value can still go here: a text of sentences takes several, a field or number one. */
    boolean free() {
        return shape == Shape.PROSE || !taken;
    }

    /**
     * Puts the value's marker here: a sentence carrying it at a random place among the sentences, or the whole
     * field (the value alone or with its label), or the number.
     */
    void plant(RandomGenerator rng, String kind, String marker) {
        if (!free()) {
            throw new IllegalStateException(path + " already holds a value");
        }
        taken = true;
        switch (shape) {
            case PROSE -> sentences.add(rng.nextInt(sentences.size() + 1), Prose.carrier(rng, lang, kind, marker));
            case NUMBER -> text = marker;
            case SHORT -> text = site == Site.IMAGE_URL
                    ? "https://img.example/scan.png?" + queryName(kind) + "=" + marker
                    : Prose.shortCarrier(rng, lang, kind, marker);
        }
    }

    /** Ends the text with {@code words}: the first piece of a split value, written last. */
    void endWith(String words) {
        requireProse();
        head = words;
    }

    /** Starts the text with {@code words}: the second piece of a split value, written first. */
    void startWith(String words) {
        requireProse();
        tail = words;
    }

    /** Writes this slot's final text (markers and all) into the tree. */
    void write() {
        JsonNode value = switch (shape) {
            case NUMBER -> text == null ? LongNode.valueOf(number) : TextNode.valueOf(text);
            case SHORT -> TextNode.valueOf(text);
            case PROSE -> {
                List<String> parts = new ArrayList<>();
                if (!tail.isEmpty()) {
                    parts.add(tail);
                }
                parts.addAll(sentences);
                if (!head.isEmpty()) {
                    parts.add(head);
                }
                yield TextNode.valueOf(String.join(lang.sentenceJoin, parts));
            }
        };
        if (field != null) {
            ((ObjectNode) container).set(field, value);
        } else {
            ((ArrayNode) container).set(index, value);
        }
    }

    private void requireProse() {
        if (shape != Shape.PROSE) {
            throw new IllegalStateException(path + " cannot hold a split value");
        }
    }

    private static String queryName(String kind) {
        return switch (kind) {
            case SensitiveValues.RESIDENT_ID -> "id";
            case SensitiveValues.BANK_CARD -> "card";
            case SensitiveValues.MOBILE -> "mobile";
            default -> kind.replace("cn-", "").toLowerCase(Locale.ROOT);
        };
    }
}
