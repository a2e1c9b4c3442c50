package dev.switchboard.core.internal.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.compliance.Finding;
import dev.switchboard.core.config.ComplianceSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies the scanner to a whole request body ({@link BodyTexts}): every string, key and long number, at any depth,
 * read in the order a model reads it. The same reading serves the early scan (which decides routing), the egress
 * guard (which checks the bytes that leave) and masking.
 */
public final class RequestScanner {
    private final SensitiveDataScanner scanner;
    /** Whether images, audio and files count as {@link Assessment#MEDIA} ({@code compliance.media: internal}). */
    private final boolean countMedia;

    public RequestScanner(SensitiveDataScanner scanner, ComplianceSpec.Media media) {
        this.scanner = scanner;
        this.countMedia = media == ComplianceSpec.Media.INTERNAL;
    }

    /** Kinds and counts found in a body given as JSON bytes; a detector failure is {@link Assessment#DETECTOR_ERROR}. */
    public Assessment assess(byte[] json) {
        // With no text detector (compliance.detectors: []) the body is still walked: token ids and, under
        // compliance.media: internal, media stay inside whatever the detectors are.
        try (BodyTexts texts = BodyTexts.of(json)) {
            return count(texts);
        } catch (RuntimeException | StackOverflowError e) {
            return Assessment.of(Assessment.DETECTOR_ERROR);
        }
    }

    /**
     * Kinds and counts found in a parsed body. A tree read by {@link dev.switchboard.core.RequestView} keeps its
     * decimals as written, and is judged exactly as its bytes would be.
     */
    public Assessment assess(JsonNode request) {
        try (BodyTexts texts = BodyTexts.scanning(request)) {
            return count(texts);
        } catch (RuntimeException | StackOverflowError e) {
            return Assessment.of(Assessment.DETECTOR_ERROR);
        }
    }

    private Assessment count(BodyTexts texts) {
        List<Finding> found = scanner.isEmpty() ? List.of()
                : texts.scratched() ? scanner.scan(texts.joinedChars(), texts.joinedLength())
                : scanner.scan(texts.joined());
        boolean media = countMedia && texts.media();
        if (found.isEmpty() && !texts.unreadable() && !media) {
            return Assessment.CLEAN;
        }
        Map<String, Integer> counts = new HashMap<>();
        if (texts.unreadable()) {
            counts.put(Assessment.UNREADABLE, 1);
        }
        if (media) {
            counts.put(Assessment.MEDIA, 1);
        }
        for (Finding f : texts.resolve(found)) {
            counts.merge(f.kind(), 1, Integer::sum);
        }
        return new Assessment(counts);
    }

    /**
     * A copy of the request with every finding replaced by its placeholder, recorded in {@code masking}. A value in
     * several parts gets the same placeholder in each part; a number becomes a string; a key is renamed in place.
     */
    public ObjectNode mask(ObjectNode request, Masking masking) {
        ObjectNode copy = request.deepCopy();
        BodyTexts texts = BodyTexts.ofTree(copy);
        String joined = texts.joined();
        List<Finding> found = texts.resolve(scanner.scanAll(joined));
        if (found.isEmpty()) {
            return copy;
        }
        List<BodyTexts.Segment> segments = texts.segments();
        // Segments lie in order along the joined text: each span's first one is found by a binary search.
        int[] starts = new int[segments.size()];
        for (int k = 0; k < starts.length; k++) {
            starts[k] = segments.get(k).start();
        }
        Map<Integer, List<Cut>> cuts = new java.util.TreeMap<>();
        for (Finding f : found) {
            // The value a placeholder stands for: its parts in order, a part said again (echoed in a tool call's
            // arguments, BodyTexts.resolve) left out.
            StringBuilder value = new StringBuilder();
            for (Finding.Span s : f.spans()) {
                if (!texts.echo(s) && !said(joined, s, f, texts, scanner)) {
                    value.append(joined, s.start(), s.end());
                }
            }
            String placeholder = masking.placeholder(f.kind(), value.toString());
            for (Finding.Span span : f.spans()) {
                int k = java.util.Arrays.binarySearch(starts, span.start());
                for (k = Math.max(0, k >= 0 ? k : -k - 2); k < starts.length && starts[k] < span.end(); k++) {
                    BodyTexts.Segment seg = segments.get(k);
                    int from = Math.max(span.start(), seg.start());
                    int to = Math.min(span.end(), seg.end());
                    if (from < to) {
                        cuts.computeIfAbsent(k, x -> new ArrayList<>()).add(new Cut(from - seg.start(),
                                to - seg.start(), placeholder));
                    }
                }
            }
        }
        Map<ObjectNode, Map<String, String>> renames = new IdentityHashMap<>();
        cuts.forEach((index, list) -> {
            BodyTexts.Segment seg = segments.get(index);
            list.sort((x, y) -> Integer.compare(x.start(), y.start()));
            String text = joined.substring(seg.start(), seg.end());
            StringBuilder out = new StringBuilder(text.length());
            // A tool call's arguments are JSON: a number there replaced by a placeholder is written as a string, so
            // the arguments stay JSON ({"amount": "[BANK_CARD_1]"}).
            boolean json = seg.arguments();
            int at = 0;
            String last = null;
            for (Cut cut : list) {
                if (cut.start() < at && cut.placeholder().equals(last)) {
                    at = Math.max(at, cut.end()); // the same value found twice (in its text and in a seam): once
                    continue;
                }
                out.append(text, at, Math.max(at, cut.start()));
                if (json && cut.start() >= at && bareNumber(text, cut.start(), cut.end())) {
                    out.append('"').append(cut.placeholder()).append('"');
                } else {
                    out.append(cut.placeholder());
                }
                at = Math.max(at, cut.end());
                last = cut.placeholder();
            }
            String masked = out.append(text, at, text.length()).toString();
            BodyTexts.Place place = seg.place();
            if (place instanceof BodyTexts.Value v) {
                v.parent().set(v.field(), TextNode.valueOf(masked));
            } else if (place instanceof BodyTexts.Element e) {
                e.parent().set(e.index(), TextNode.valueOf(masked));
            } else if (place instanceof BodyTexts.Key k) {
                renames.computeIfAbsent(k.parent(), x -> new HashMap<>()).put(k.field(), masked);
            }
        });
        renames.forEach(RequestScanner::renameKeys);
        return copy;
    }

    /**
     * Whether span {@code s} of a value read across a seam only says the start of another, longer part of it again,
     * which alone is the whole value ("The card starts 62220212" / arguments "62220212345678945"): masked, not part
     * of the value twice. A longer part that is no value alone is the rest ("starts 622202" / "6222021234").
     */
    private static boolean said(String joined, Finding.Span s, Finding f, BodyTexts texts,
            SensitiveDataScanner scanner) {
        if (f.spans().size() < 2) {
            return false;
        }
        String digits = digits(joined, s);
        for (Finding.Span t : f.spans()) {
            if (!t.equals(s) && !texts.echo(t)) {
                String longer = digits(joined, t);
                if (longer.length() > digits.length() && !digits.isEmpty() && longer.startsWith(digits)
                        && scanner.scan(joined.substring(t.start(), t.end())).stream()
                                .anyMatch(g -> g.kind().equals(f.kind()))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String digits(String joined, Finding.Span s) {
        StringBuilder d = new StringBuilder();
        for (int i = s.start(); i < s.end(); i++) {
            if (Character.isDigit(joined.charAt(i))) {
                d.append(joined.charAt(i));
            }
        }
        return d.toString();
    }

    /**
     * Whether {@code [start, end)} of a JSON text is a whole number value: after a {@code :}, a {@code [} or a
     * {@code ,} and before a {@code ,}, a {@code ]} or a {@code }}, spaces aside — not inside a string.
     */
    static boolean bareNumber(String json, int start, int end) {
        int before = start - 1;
        while (before >= 0 && Character.isWhitespace(json.charAt(before))) {
            before--;
        }
        int after = end;
        while (after < json.length() && Character.isWhitespace(json.charAt(after))) {
            after++;
        }
        return before >= 0 && ":[,".indexOf(json.charAt(before)) >= 0
                && (after == json.length() || ",]}".indexOf(json.charAt(after)) >= 0);
    }

    /** Characters {@code [start, end)} of one text to replace by a placeholder. */
    private record Cut(int start, int end, String placeholder) {
    }

    /** Renames keys of an object in place, keeping the order of its fields. */
    private static void renameKeys(ObjectNode object, Map<String, String> renamed) {
        List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
        object.fields().forEachRemaining(e -> fields.add(Map.entry(e.getKey(), e.getValue())));
        object.removeAll();
        for (Map.Entry<String, JsonNode> e : fields) {
            object.set(renamed.getOrDefault(e.getKey(), e.getKey()), e.getValue());
        }
    }
}
