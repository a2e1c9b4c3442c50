package dev.switchboard.testkit.corpus;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.random.RandomGenerator;

/** Sketches embeddings bodies: {@code input} as one string or an array of strings, and the optional fields. */
final class EmbeddingBodies {
    private EmbeddingBodies() {
    }

    /** An embeddings body in which {@code required} has a free slot (or, for a split, two adjacent inputs). */
    static BodySketch sketch(RandomGenerator rng, Lang lang, Site required) {
        BodySketch sketch = new BodySketch();
        ObjectNode root = sketch.root;
        root.put("model", "embed");
        boolean array = required.family() == Site.SPLIT_INPUTS || rng.nextInt(100) < 60;
        if (array) {
            ArrayNode inputs = root.putArray("input");
            int count = (required.family() == Site.SPLIT_INPUTS ? 2 : 1) + rng.nextInt(4);
            Slot previous = null;
            for (int i = 0; i < count; i++) {
                inputs.addNull();
                Lang l = slotLang(rng, lang);
                Slot input = sketch.add(Slot.prose(Site.EMBEDDINGS_INPUT, "input[" + i + "]", l, inputs, i,
                        Prose.sentences(rng, l, 1, 2)));
                if (previous != null) {
                    sketch.pair(Site.SPLIT_INPUTS, previous, input);
                }
                previous = input;
            }
        } else {
            root.putNull("input");
            Lang l = slotLang(rng, lang);
            sketch.add(Slot.prose(Site.EMBEDDINGS_INPUT, "input", l, root, "input", Prose.sentences(rng, l, 1, 4)));
        }
        if (rng.nextInt(100) < 50) {
            root.put("encoding_format", "float");
        }
        if (rng.nextInt(100) < 30) {
            root.put("dimensions", SensitiveValues.pick(List.of(256, 512, 1024), rng));
        }
        if (required == Site.USER || rng.nextInt(100) < 20) {
            root.putNull("user");
            sketch.add(Slot.text(Site.USER, "user", slotLang(rng, lang), root, "user", "batch-indexer"));
        }
        if (required == Site.VENDOR_FIELD || rng.nextInt(100) < 10) {
            root.putNull("x_notes");
            Lang l = slotLang(rng, lang);
            sketch.add(Slot.prose(Site.VENDOR_FIELD, "x_notes", l, root, "x_notes", Prose.sentences(rng, l, 1, 2)));
        }
        if (required == Site.VENDOR_NUMBER || rng.nextInt(100) < 10) {
            root.putNull("x_ref");
            sketch.add(Slot.number(Site.VENDOR_NUMBER, "x_ref", root, "x_ref", 1 + rng.nextInt(999)));
        }
        return sketch;
    }

    private static Lang slotLang(RandomGenerator rng, Lang lang) {
        return rng.nextInt(100) < 85 ? lang : lang.other();
    }
}
