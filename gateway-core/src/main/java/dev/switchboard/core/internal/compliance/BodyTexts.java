package dev.switchboard.core.internal.compliance;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every text of a JSON body, as the detectors read it: not a list of known fields but the whole body — every string
 * value, every object key, and every number of 11 or more digits, at any depth, known fields and vendor extensions
 * alike.
 *
 * <p>Three channels, in document order. The <em>conversation</em> — messages' content and text parts, embeddings
 * inputs — is joined with line breaks, as a model reads consecutive messages, so
 * a number that continues from one message or part into the next is judged as one, whatever tool calls or vendor
 * fields stand between them in the JSON. Every other value — tool definitions, vendor fields, {@code stop},
 * {@code metadata}, long numbers — and every key and structural value (a message's {@code role}, a part's
 * {@code type}, ids, names) is read on its own, after a {@link NumberTokens#BOUNDARY}, across which nothing is ever
 * joined: a number at the end of one field is not the start of the next.
 *
 * <p>The same walk reads a parsed tree (to mask it: each text keeps its {@link Place}) and a stream of tokens (the
 * early scan of the client's bytes and the egress guard's check of the outgoing bytes: one function for both).
 */
final class BodyTexts {
    /** String values under these field names are labels: enumerations, identifiers, names. */
    private static final Set<String> STRUCTURAL = Set.of("role", "type", "id", "tool_call_id", "name", "model",
            "object", "finish_reason", "encoding_format", "detail", "format", "reasoning_effort", "service_tier");
    /**
     * Keys of content the detectors cannot read — OpenAI's image, audio and file parts, Gemini's inline and file data,
     * and a media type beside bytes (Anthropic's {@code source}) — as keys and as a part's {@code type}. Bytes given
     * as a {@code data:} URL are caught by their own rule, wherever they sit.
     */
    private static final Set<String> MEDIA_KEYS = Set.of("image_url", "input_image", "input_audio", "audio_url",
            "video_url", "input_file", "file_data", "fileData", "inline_data", "inlineData", "media_type",
            "mime_type", "mimeType");
    /** A content part's {@code type} that carries media (OpenAI's {@code file}, Anthropic's {@code image}, ...). */
    private static final Set<String> MEDIA_TYPES = Set.of("image", "audio", "video", "file", "document",
            "input_image", "input_audio", "input_file", "image_url");
    /** Numbers with fewer digits cannot be an identifier the detectors know (the shortest, a mobile, has 11). */
    static final int NUMBER_DIGITS = 11;
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(1000).maxNumberLength(10_000)
                    .maxStringLength(Integer.MAX_VALUE).build())
            .build();

    /** Where a text is in a tree, so a masked text can be written back. */
    sealed interface Place permits Value, Element, Key {
    }

    /** The value of {@code field} in {@code parent}. */
    record Value(ObjectNode parent, String field) implements Place {
    }

    /** Element {@code index} of {@code parent}. */
    record Element(ArrayNode parent, int index) implements Place {
    }

    /** The key {@code field} of {@code parent}. */
    record Key(ObjectNode parent, String field) implements Place {
    }

    /** One text: where it starts in {@link #joined()}, its length, and its place (null when not kept). */
    record Segment(int start, int length, Place place) {
        int end() {
            return start + length;
        }
    }

    private final StringBuilder conversation;
    private final StringBuilder prose = new StringBuilder();
    private final StringBuilder labels = new StringBuilder();
    private final List<Segment> conversationSegments;
    private final List<Segment> proseSegments;
    private final List<Segment> labelSegments;
    /** Field names from the root to the value being read; {@link #ARRAY} for an array's element. */
    private final List<String> path = new ArrayList<>();
    private String joined;
    /** Whether the body holds input the detectors cannot read as text (embeddings input as token ids). */
    private boolean unreadable;
    /** Whether the body carries images, audio or files. */
    private boolean media;
    private static final String ARRAY = "[]";

    private BodyTexts(int sizeHint, boolean keepPlaces) {
        this.conversation = new StringBuilder(Math.min(sizeHint, 64 * 1024));
        this.conversationSegments = keepPlaces ? new ArrayList<>() : null;
        this.proseSegments = keepPlaces ? new ArrayList<>() : null;
        this.labelSegments = keepPlaces ? new ArrayList<>() : null;
    }

    /**
     * Whether the value at {@link #path} is what the model reads as the conversation: {@code messages[i].content},
     * {@code messages[i].content[j].text}, {@code input}, {@code input[i]}.
     */
    private boolean inConversation() {
        int n = path.size();
        if (n >= 3 && path.get(0).equals("messages") && path.get(1) == ARRAY) {
            return n == 3 && path.get(2).equals("content")
                    || n == 5 && path.get(2).equals("content") && path.get(3) == ARRAY && path.get(4).equals("text");
        }
        return path.size() >= 1 && path.get(0).equals("input") && (n == 1 || n == 2 && path.get(1) == ARRAY);
    }

    /** The path of the parser's current value, from its contexts. */
    private void pathOf(com.fasterxml.jackson.core.JsonStreamContext ctx) {
        path.clear();
        for (com.fasterxml.jackson.core.JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
            path.add(c.inArray() ? ARRAY : c.getCurrentName());
        }
        java.util.Collections.reverse(path);
    }

    /** The texts of a JSON body given as bytes; bytes that are not JSON are read as one text (fail closed). */
    static BodyTexts of(byte[] json) {
        BodyTexts texts = new BodyTexts(json.length, false);
        try (JsonParser p = FACTORY.createParser(json)) {
            texts.read(p);
        } catch (IOException | RuntimeException e) {
            texts = new BodyTexts(json.length, false);
            texts.prose(new String(json, StandardCharsets.UTF_8), null);
        }
        return texts;
    }

    /** The texts of a JSON body read by {@code parser}, which this closes. */
    static BodyTexts of(JsonParser parser, int sizeHint) throws IOException {
        BodyTexts texts = new BodyTexts(sizeHint, false);
        try (parser) {
            texts.read(parser);
        }
        return texts;
    }

    /** The texts of a tree, each with its place, for masking. */
    static BodyTexts ofTree(JsonNode root) {
        BodyTexts texts = new BodyTexts(1024, true);
        texts.walk(root, null, null);
        return texts;
    }

    private void read(JsonParser p) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) != null) {
            switch (t) {
                case FIELD_NAME -> label(p.currentName(), null);
                case VALUE_STRING -> {
                    String field = p.getParsingContext().inObject() ? p.currentName() : null;
                    if (field != null && STRUCTURAL.contains(field)) {
                        mediaType(field, p.getText());
                        label(p.getText(), null);
                    } else {
                        pathOf(p.getParsingContext());
                        prose(p.getText(), null);
                    }
                }
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                    pathOf(p.getParsingContext());
                    number(p.getText(), null);
                }
                default -> {
                }
            }
        }
    }

    private void walk(JsonNode node, String field, Place place) {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                label(e.getKey(), new Key(object, e.getKey()));
                path.add(e.getKey());
                walk(e.getValue(), e.getKey(), new Value(object, e.getKey()));
                path.remove(path.size() - 1);
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                path.add(ARRAY);
                walk(array.get(i), null, new Element(array, i));
                path.remove(path.size() - 1);
            }
        } else if (node.isTextual()) {
            if (field != null && STRUCTURAL.contains(field)) {
                mediaType(field, node.textValue());
                label(node.textValue(), place);
            } else {
                prose(node.textValue(), place);
            }
        } else if (node.isNumber()) {
            number(node.isBigDecimal() ? digitsOf(node.decimalValue()) : node.asText(), place);
        }
    }

    private void number(String text, Place place) {
        if (!path.isEmpty() && path.get(0).equals("input") && path.size() >= 2) {
            unreadable = true; // token ids: any text at all, written in a tokenizer's numbers
        }
        text = plain(text);
        int digits = 0;
        for (int i = 0; i < text.length(); i++) {
            if (NumberTokens.digit(text.charAt(i))) {
                digits++;
            }
        }
        if (digits >= NUMBER_DIGITS) {
            prose(text, place);
        }
    }

    /**
     * A number as its digits are read: as written, its exponent's letter a separator, so {@code 6222021234567894e3}
     * and {@code 6.222021234567894E15} still show their sixteen digits, and nothing is computed from an exponent a
     * client chose.
     */
    static String plain(String number) {
        return number.indexOf('e') < 0 && number.indexOf('E') < 0 ? number
                : number.replace('e', ' ').replace('E', ' ');
    }

    /**
     * A decimal from the tree, as its digits were written: the tree keeps no spelling, so the digits are the
     * unscaled value's, split where the decimal point falls inside them ({@code 6222021234567894.0},
     * {@code 6222021234567894e-17} and {@code 6222021234567894E41} all show the sixteen digits).
     */
    private static String digitsOf(java.math.BigDecimal d) {
        String digits = d.unscaledValue().abs().toString();
        int scale = d.scale();
        return scale > 0 && scale < digits.length()
                ? digits.substring(0, digits.length() - scale) + '.' + digits.substring(digits.length() - scale)
                : digits;
    }

    private void prose(String text, Place place) {
        if (text.regionMatches(true, 0, "data:", 0, 5) && text.indexOf(";base64,", 5) > 0) {
            media = true; // inline bytes of an image, a recording or a file, wherever the field
        }
        text = withoutBoundaries(text);
        boolean talk = inConversation();
        StringBuilder to = talk ? conversation : prose;
        if (to.length() > 0 || !talk) {
            to.append(talk ? '\n' : NumberTokens.BOUNDARY);
        }
        List<Segment> segments = talk ? conversationSegments : proseSegments;
        if (segments != null) {
            segments.add(new Segment(to.length(), text.length(), place));
        }
        to.append(text);
        joined = null;
    }

    /** A client's own NUL chars read as spaces: only the walk marks where texts end. */
    private static String withoutBoundaries(String text) {
        return text.indexOf(NumberTokens.BOUNDARY) < 0 ? text : text.replace(NumberTokens.BOUNDARY, ' ');
    }

    private void label(String text, Place place) {
        if (MEDIA_KEYS.contains(text)) {
            media = true;
        }
        text = withoutBoundaries(text);
        labels.append(NumberTokens.BOUNDARY);
        if (labelSegments != null) {
            labelSegments.add(new Segment(labels.length(), text.length(), place));
        }
        labels.append(text);
        joined = null;
    }

    /** Whether the body holds input given as token ids, which no detector can read. */
    boolean media() {
        return media;
    }

    /** A part whose {@code type} names media carries some, whatever its other keys are called. */
    private void mediaType(String field, String value) {
        if (field.equals("type") && MEDIA_TYPES.contains(value)) {
            media = true;
        }
    }

    boolean unreadable() {
        return unreadable;
    }

    /** The conversation, the prose and every label, each after a boundary: what the scanner reads. */
    String joined() {
        if (joined == null) {
            joined = prose.length() == 0 && labels.length() == 0 ? conversation.toString()
                    : new StringBuilder(conversation.length() + prose.length() + labels.length() + 1)
                            .append(conversation).append(prose).append(labels)
                            .toString();
        }
        return joined;
    }

    /** Every text with its place and its offsets in {@link #joined()} (only for a tree). */
    List<Segment> segments() {
        List<Segment> out = new ArrayList<>(conversationSegments.size() + proseSegments.size()
                + labelSegments.size());
        out.addAll(conversationSegments);
        int shift = conversation.length();
        for (Segment s : proseSegments) {
            out.add(new Segment(s.start() + shift, s.length(), s.place()));
        }
        shift += prose.length();
        for (Segment s : labelSegments) {
            out.add(new Segment(s.start() + shift, s.length(), s.place()));
        }
        return out;
    }
}
