package dev.switchboard.core.internal.compliance;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.compliance.Finding;
import dev.switchboard.core.internal.request.WrittenDecimalNode;
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
 * joined: a number at the end of one field is not the start of the next. Last come the <em>seams</em>: where a tool
 * call's arguments or a refusal meet the conversation, the end of one and the start of the other read together (see
 * {@link #seam}), so a value continued across them is one too.
 *
 * <p>The same reading serves a parsed tree — the early scan of the request's tree, whose decimals keep their spelling,
 * and masking, where each text keeps its {@link Place} — and a stream of tokens: the egress guard's check of the
 * outgoing bytes. {@code BodyReadingProperties} holds the two to the same verdict.
 */
final class BodyTexts implements AutoCloseable {
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

    /**
     * One text: where it starts in {@link #joined()}, its length, its place (null when not kept), and whether it is a
     * tool call's (or a legacy function call's) {@code arguments} — JSON a model wrote, so a number masked there is
     * written as a quoted placeholder. Decided by the text's path, not by a field's name: a client's own field named
     * {@code arguments} elsewhere is prose.
     */
    record Segment(int start, int length, Place place, boolean arguments) {
        int end() {
            return start + length;
        }
    }

    private final StringBuilder conversation;
    private final StringBuilder prose;
    private final StringBuilder labels;
    /** Seams: the end of one turn's text and the start of the next, where one of them is read apart (see #seam). */
    private final StringBuilder seams;
    /** The thread's buffers this reading writes into (null for a tree's reading, which keeps its own). */
    private final Scratch scratch;
    private final List<Segment> conversationSegments;
    private final List<Segment> proseSegments;
    private final List<Segment> labelSegments;
    /** The tool calls' arguments and refusals read since the conversation's last text: {@code [start, end)} in prose. */
    private int[] asides = new int[0];
    private int asideCount;
    /**
     * Each seam, six ints: where its copy starts in {@link #seams}, the channel (0 the conversation, 1 the prose),
     * start and length of the end it copies, then the same of the start it copies, which follows a line break.
     */
    private int[] seamParts = new int[0];
    private int seamCount;
    /** Field names from the root to the value being read; {@link #ARRAY} for an array's element. */
    private final List<String> path = new ArrayList<>();
    /** The key of the value about to be read (null: an array's element, or not read from an object). */
    private String keyOfValue;
    private String joined;
    /** Whether the body holds input the detectors cannot read as text (embeddings input as token ids). */
    private boolean unreadable;
    /** Whether the body carries images, audio or files. */
    private boolean media;
    private static final String ARRAY = "[]";

    /** A tree's reading: buffers of its own, and every text's place kept (for masking). */
    private BodyTexts() {
        this.conversation = new StringBuilder(1024);
        this.prose = new StringBuilder();
        this.labels = new StringBuilder();
        this.seams = new StringBuilder();
        this.scratch = null;
        this.conversationSegments = new ArrayList<>();
        this.proseSegments = new ArrayList<>();
        this.labelSegments = new ArrayList<>();
    }

    /** A reading into the thread's scratch buffers (emptied first); {@link #close()} hands them back. */
    private BodyTexts(Scratch scratch) {
        this.scratch = scratch;
        this.conversation = scratch.conversation;
        this.prose = scratch.prose;
        this.labels = scratch.labels;
        this.seams = scratch.seams;
        this.conversationSegments = null;
        this.proseSegments = null;
        this.labelSegments = null;
    }

    /**
     * A thread's buffers for reading bodies, reused by its next reading: the scan of every request — the early one and
     * the egress guard's — would otherwise copy the body's text four times (three channels, the joined text, the
     * detectors' char array), a third of what a plain call allocates. Nothing of a reading outlives it: findings are
     * offsets, and the detectors' text is dropped when the scan returns.
     */
    private static final class Scratch {
        /**
         * Buffers grown beyond this many chars are dropped after use: one huge body must not stay pinned per thread
         * (a thread keeps at most about half a megabyte; a larger body is read into buffers of its own, as before).
         */
        private static final int KEEP = 64 * 1024;
        private static final ThreadLocal<Scratch> OF_THREAD = ThreadLocal.withInitial(Scratch::new);

        private StringBuilder conversation = new StringBuilder(4096);
        private StringBuilder prose = new StringBuilder(256);
        private StringBuilder labels = new StringBuilder(1024);
        private StringBuilder seams = new StringBuilder(256);
        private char[] joined = new char[4096];
        private boolean inUse;

        /** The thread's buffers, emptied; fresh ones when they are in use (a reading within a reading). */
        static Scratch take() {
            Scratch s = OF_THREAD.get();
            if (s.inUse) {
                s = new Scratch();
            }
            s.inUse = true;
            s.conversation.setLength(0);
            s.prose.setLength(0);
            s.labels.setLength(0);
            s.seams.setLength(0);
            return s;
        }

        void giveBack() {
            if (conversation.capacity() > KEEP) {
                conversation = new StringBuilder(4096);
            }
            if (prose.capacity() > KEEP) {
                prose = new StringBuilder(256);
            }
            if (labels.capacity() > KEEP) {
                labels = new StringBuilder(1024);
            }
            if (seams.capacity() > KEEP) {
                seams = new StringBuilder(256);
            }
            if (joined.length > KEEP) {
                joined = new char[4096];
            }
            inUse = false;
        }
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

    /**
     * The texts of a JSON body given as bytes, read into the thread's scratch buffers: {@link #close()} it when
     * scanned. Bytes that are not JSON are read as one text (fail closed).
     */
    static BodyTexts of(byte[] json) {
        BodyTexts texts = new BodyTexts(Scratch.take());
        try {
            try (JsonParser p = FACTORY.createParser(json)) {
                texts.read(p);
            } catch (IOException | RuntimeException e) {
                texts.clear();
                texts.prose(new String(json, StandardCharsets.UTF_8), null);
            }
        } catch (RuntimeException | Error e) {
            texts.close(); // the thread's buffers go back whatever failed
            throw e;
        }
        return texts;
    }

    /**
     * The texts of a tree read into the thread's scratch buffers, without places (to scan it, not to mask it):
     * {@link #close()} them when scanned. The early scan reads the request's tree this way — the body is then parsed
     * once — and reads what the egress guard reads in the bytes, as the tree keeps decimals as written.
     */
    static BodyTexts scanning(JsonNode root) {
        BodyTexts texts = new BodyTexts(Scratch.take());
        try {
            texts.walk(root, null, null);
        } catch (RuntimeException | Error e) {
            texts.close();
            throw e;
        }
        return texts;
    }

    /** Hands a scratch reading's buffers back to its thread (nothing for a tree's reading); read nothing after. */
    @Override
    public void close() {
        if (scratch != null) {
            scratch.giveBack();
        }
    }

    private void clear() {
        path.clear(); // the text read instead stands alone, as prose
        keyOfValue = null;
        conversation.setLength(0);
        prose.setLength(0);
        labels.setLength(0);
        seams.setLength(0);
        asideCount = 0;
        seamCount = 0;
        media = false;
        unreadable = false;
        joined = null;
    }

    /** The texts of a tree, each with its place, for masking. */
    static BodyTexts ofTree(JsonNode root) {
        BodyTexts texts = new BodyTexts();
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
                        keyOfValue = field;
                        // Read from the parser's own buffer: a string made of every value is what it would cost.
                        prose(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), null);
                    }
                }
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                    pathOf(p.getParsingContext());
                    keyOfValue = p.getParsingContext().inObject() ? p.currentName() : null;
                    number(p.getText(), null);
                }
                default -> {
                }
            }
        }
    }

    private void walk(JsonNode node, String field, Place place) {
        boolean places = conversationSegments != null; // a scan keeps none: no place is made for it
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                label(e.getKey(), places ? new Key(object, e.getKey()) : null);
                path.add(e.getKey());
                walk(e.getValue(), e.getKey(), places ? new Value(object, e.getKey()) : null);
                path.remove(path.size() - 1);
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                path.add(ARRAY);
                walk(array.get(i), null, places ? new Element(array, i) : null);
                path.remove(path.size() - 1);
            }
        } else if (node.isTextual()) {
            if (field != null && STRUCTURAL.contains(field)) {
                mediaType(field, node.textValue());
                label(node.textValue(), place);
            } else {
                keyOfValue = field;
                prose(node.textValue(), place);
            }
        } else if (node.isNumber()) {
            keyOfValue = field;
            number(node instanceof WrittenDecimalNode written ? written.written()
                    : node.isBigDecimal() ? digitsOf(node.decimalValue()) : node.asText(), place);
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
        // An account has 8 digits or more: under a key that names it ({"acct_no": 12345678}) a shorter number is read.
        if (digits >= NUMBER_DIGITS
                || digits >= 8 && keyOfValue != null && SensitiveDataScanner.keywordKey(keyOfValue)) {
            prose(text, place);
        }
        keyOfValue = null;
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
     * A decimal from a tree that kept no spelling (one not read by the request's view), so the digits are the
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

    /**
     * A tree's text, a long number, bytes not JSON: read as chars — copied into the thread's buffer for a scan, or into
     * an array of its own for masking, which is rare and keeps the reading's own buffers anyway.
     */
    private void prose(String text, Place place) {
        // Whether the text may hold a data URL (it has a colon) or a NUL: the string's own search, which the JIT
        // compiles to vector instructions, instead of two more passes over every char of every text.
        int marks = (text.indexOf(':') >= 0 ? COLON : 0) | (text.indexOf(NumberTokens.BOUNDARY) >= 0 ? NUL : 0);
        prose(text, null, 0, text.length(), place, marks);
    }

    /** What {@link #prose(String, char[], int, int, Place, int)} is told a text may hold: a colon, a NUL. */
    private static final int COLON = 1;
    private static final int NUL = 2;

    /** A text in the parser's own buffer: its colons and NULs looked for in one pass. */
    private void prose(char[] chars, int offset, int length, Place place) {
        int marks = 0;
        for (int i = offset; i < offset + length; i++) {
            char c = chars[i];
            marks |= c == ':' ? COLON : c == NumberTokens.BOUNDARY ? NUL : 0;
        }
        prose(null, chars, offset, length, place, marks);
    }

    /**
     * One text of the body — a string from a tree, or {@code length} chars of {@code chars} (the streamed reading
     * passes the parser's own buffer) — into the conversation or the prose, after its separator, its place noted when
     * places are kept. {@code marks} says whether it may hold a colon (so a data URL) and a NUL. A string is appended
     * as it is: a Latin-1 string into a Latin-1 builder is one copy of its bytes, where its chars were checked one by
     * one for whether they fit.
     */
    private void prose(String text, char[] chars, int offset, int length, Place place, int marks) {
        boolean talk = inConversation();
        StringBuilder to = talk ? conversation : prose;
        if (to.length() > 0 || !talk) {
            to.append(talk ? '\n' : NumberTokens.BOUNDARY);
        }
        if (!talk && keyOfValue != null && SensitiveDataScanner.keywordKey(keyOfValue)) {
            // A value under a key that names what it is ("账号", "account_number", "passportNo") is read after its
            // key, as it would be after the same words in prose: the key itself is also read on its own, as a label.
            to.append(keyOfValue).append(' ');
        }
        keyOfValue = null;
        List<Segment> segments = talk ? conversationSegments : proseSegments;
        if (segments != null) {
            boolean arguments = !talk && aside() && path.get(path.size() - 1).equals("arguments");
            segments.add(new Segment(to.length(), length, place, arguments));
        }
        int at = to.length();
        if (text != null) {
            to.append(text);
        } else {
            to.append(chars, offset, length);
        }
        if ((marks & COLON) != 0 && dataUrl(to, at, length)) {
            media = true; // inline bytes of an image, a recording or a file, wherever the field
        }
        for (int i = at; (marks & NUL) != 0 && i < at + length; i++) {
            if (to.charAt(i) == NumberTokens.BOUNDARY) {
                to.setCharAt(i, ' '); // a client's own NUL reads as a space: only the walk marks ends
            }
        }
        if (talk && length > 0) {
            // The conversation's start after the tool calls and refusals read since its last text: each a seam.
            for (int k = 0; k < asideCount; k++) {
                seam(1, asides[2 * k], asides[2 * k + 1], 0, at, at + length);
            }
            asideCount = 0;
        } else if (!talk && length > 0 && aside()) {
            // The conversation's end, then this: a seam; the call or refusal read just before, then this: another;
            // and this is kept for the conversation's next text.
            if (conversation.length() > 0) {
                seam(0, 0, conversation.length(), 1, at, at + length);
            }
            if (asideCount > 0) {
                seam(1, asides[2 * asideCount - 2], asides[2 * asideCount - 1], 1, at, at + length);
            }
            if (2 * asideCount + 2 > asides.length) {
                asides = java.util.Arrays.copyOf(asides, Math.max(8, 2 * asides.length));
            }
            asides[2 * asideCount] = at;
            asides[2 * asideCount + 1] = at + length;
            asideCount++;
        }
        joined = null;
    }

    /** How many chars of a turn's end and of the next one's start a seam holds (a value's part and words before it). */
    private static final int SEAM = 64;

    /**
     * Whether the value at {@link #path} is what a model writes beside the conversation in a turn: a tool call's
     * {@code arguments} (or a legacy {@code function_call}'s), or a {@code refusal}.
     */
    private boolean aside() {
        int n = path.size();
        if (n < 3 || !path.get(0).equals("messages") || path.get(1) != ARRAY) {
            return false;
        }
        String last = path.get(n - 1);
        return n == 3 && last.equals("refusal")
                || n == 5 && path.get(2).equals("content") && path.get(3) == ARRAY && last.equals("refusal")
                || n == 4 && path.get(2).equals("function_call") && last.equals("arguments")
                || n == 6 && path.get(2).equals("tool_calls") && path.get(3) == ARRAY && path.get(4).equals("function")
                        && last.equals("arguments");
    }

    /**
     * A seam: the end of the text {@code [fromStart, fromEnd)} of one channel and the start of the text
     * {@code [toStart, toEnd)} of another, copied after a boundary and read together. A tool call's arguments and a
     * refusal are read apart from the messages — so that a value continued from one message to the next, with a tool
     * call between them, is still one — and the seam reads a value continued from the conversation into them, or from
     * them into the conversation's next text, as one too ({@link #resolve} maps what it finds back to the texts).
     */
    private void seam(int fromChannel, int fromStart, int fromEnd, int toChannel, int toStart, int toEnd) {
        StringBuilder from = fromChannel == 0 ? conversation : prose;
        StringBuilder to = toChannel == 0 ? conversation : prose;
        int tail = Math.max(fromStart, fromEnd - SEAM);
        while (tail > fromStart && tail > fromEnd - 2 * SEAM && partOfNumber(from.charAt(tail - 1))) {
            tail--; // a number cut at the seam's edge would read as another
        }
        int head = Math.min(toEnd, toStart + SEAM);
        while (head < toEnd && head < toStart + 2 * SEAM && partOfNumber(to.charAt(head))) {
            head++;
        }
        seams.append(NumberTokens.BOUNDARY);
        if (6 * seamCount + 6 > seamParts.length) {
            seamParts = java.util.Arrays.copyOf(seamParts, Math.max(12, 2 * seamParts.length));
        }
        int[] p = seamParts;
        int at = 6 * seamCount++;
        p[at] = seams.length();
        p[at + 1] = fromChannel;
        p[at + 2] = tail;
        p[at + 3] = fromEnd - tail;
        p[at + 4] = toChannel;
        p[at + 5] = toStart;
        seams.append(from, tail, fromEnd).append('\n').append(to, toStart, head);
    }

    /**
     * What was found in {@link #joined()}, each value where it is in the texts: a value found in a seam that runs
     * across its two texts — the only kind a seam adds — is mapped back to them (its parts become spans in each).
     * Against what the texts' own reading found: a value of its kind it covers whole is that value, which the seam
     * only read on into the next text ("…7894" / "1. I cannot…"): it stays, and the seam's reading goes; a value of
     * its kind it shares a part with is that value said again (a part echoed in a tool call's arguments): one value
     * with every part, under one placeholder; a value of another kind it covers is a part read shorter, and goes.
     * Whatever else a seam holds is its texts' again, found where they are.
     */
    List<Finding> resolve(List<Finding> found) {
        int seamsStart = joinedLength() - seams.length();
        if (seamCount == 0 || found.isEmpty() || found.get(found.size() - 1).end() <= seamsStart) {
            return found;
        }
        List<Finding> out = new ArrayList<>(found.size());
        List<Finding> across = new ArrayList<>();
        for (Finding f : found) {
            if (f.start() < seamsStart) {
                out.add(f);
                continue;
            }
            Finding mapped = acrossSeam(f, seamsStart);
            if (mapped != null) {
                across.add(mapped);
            }
        }
        for (Finding a : across) {
            if (out.stream().anyMatch(f -> f.kind().equals(a.kind()) && covers(a, f) && digitsBeyond(a, f) < 4)) {
                continue; // the texts' own value, read on across the seam by a few digits ("…7894" / "1. I…")
            }
            List<Finding> same = new ArrayList<>();
            for (Finding f : out) {
                if (f.kind().equals(a.kind()) && SensitiveDataScanner.intersect(a, f)) {
                    same.add(f); // the same value as a text read it: a part of it, or a part said twice
                }
            }
            Finding value = same.isEmpty() ? a : joined(same, a);
            acrossValues.add(value);
            out.removeIf(f -> same.contains(f) || covers(a, f)); // and what it covers is a part of it, read shorter
            out.add(value);
        }
        out.sort((x, y) -> Integer.compare(x.start(), y.start()));
        return out;
    }

    /** Spans {@link #resolve} added to a value where a part of it is said again: masked, not part of its value. */
    private final java.util.Set<Finding.Span> echoes = new java.util.HashSet<>();

    /** Whether {@code span} is a part said again ({@link #resolve}): its value's placeholder stands for the rest. */
    boolean echo(Finding.Span span) {
        return echoes.contains(span);
    }

    /**
     * The value read across a seam, {@code across}, with the spans of the same value as the texts read it,
     * {@code same}, that it does not hold: masked too, and echoes — {@code across} holds the whole value in the order
     * it was given (a text alone may have read its parts the other way round, or one of them twice).
     */
    private Finding joined(List<Finding> same, Finding across) {
        // A value another seam read first keeps its order: the first reading across a seam is the value as given.
        Finding first = same.stream().filter(acrossValues::contains).findFirst().orElse(across);
        List<Finding.Span> spans = new ArrayList<>(first.spans());
        List<Finding> rest = new ArrayList<>(same);
        rest.add(across);
        for (Finding f : rest) {
            for (Finding.Span s : f.spans()) {
                if (!spans.contains(s)) {
                    spans.add(s);
                    echoes.add(s);
                }
            }
        }
        // Not sorted: the parts stay in the order the value was given (a message's part may stand after the
        // arguments' in the joined text, whose conversation comes first).
        Finding value = new Finding(across.kind(), spans);
        acrossValues.add(value);
        return value;
    }

    /** The values {@link #resolve} read across a seam: their spans are in the order the value was given. */
    private final java.util.Set<Finding> acrossValues = java.util.Collections.newSetFromMap(
            new java.util.IdentityHashMap<>());

    /** How many digits {@code a} holds outside the spans of {@code f} (both mapped to the texts). */
    private int digitsBeyond(Finding a, Finding f) {
        int digits = 0;
        for (Finding.Span s : a.spans()) {
            for (int i = s.start(); i < s.end(); i++) {
                final int at = i;
                if (f.spans().stream().noneMatch(t -> t.start() <= at && at < t.end())
                        && Character.isDigit(i < conversation.length() ? conversation.charAt(i)
                                : prose.charAt(i - conversation.length()))) {
                    digits++;
                }
            }
        }
        return digits;
    }

    /** {@code f}, found in the seams, mapped back to its texts when it runs across a seam's two; else null. */
    private Finding acrossSeam(Finding f, int seamsStart) {
        for (int k = 0; k < seamCount; k++) {
            int[] p = seamParts;
            int copy = seamsStart + p[6 * k];
            int junction = copy + p[6 * k + 3];
            int next = k + 1 < seamCount ? seamsStart + p[6 * k + 6] - 1 : joinedLength();
            if (f.start() < copy || f.start() >= next) {
                continue;
            }
            if (f.start() >= junction || f.end() <= junction) {
                return null; // within one of its texts: found there
            }
            int fromBase = (p[6 * k + 1] == 0 ? 0 : conversation.length()) + p[6 * k + 2];
            int toBase = (p[6 * k + 4] == 0 ? 0 : conversation.length()) + p[6 * k + 5];
            List<Finding.Span> spans = new ArrayList<>();
            for (Finding.Span span : f.spans()) {
                if (span.start() < junction) {
                    spans.add(new Finding.Span(fromBase + span.start() - copy,
                            fromBase + Math.min(span.end(), junction) - copy));
                }
                if (span.end() > junction + 1) {
                    spans.add(new Finding.Span(toBase + Math.max(span.start(), junction + 1) - junction - 1,
                            toBase + span.end() - junction - 1));
                }
            }
            return new Finding(f.kind(), spans);
        }
        return null;
    }

    /** Whether every span of {@code inner} lies within a span of {@code outer}. */
    private static boolean covers(Finding outer, Finding inner) {
        for (Finding.Span i : inner.spans()) {
            if (outer.spans().stream().noneMatch(o -> o.start() <= i.start() && i.end() <= o.end())) {
                return false;
            }
        }
        return true;
    }

    /** A char a number is written with: a digit of any script, a letter (a code), a separator. */
    private static boolean partOfNumber(char c) {
        return Character.isLetterOrDigit(c) || NumberTokens.separator(c);
    }

    /**
     * Whether the chars hold a {@code data:} URL with inline bytes anywhere — {@code data:}, a media type and its
     * parameters, then {@code ;base64,}, in any ASCII case — as a field of its own or inside prose and markdown
     * ({@code "see ![id](data:image/png;base64,…)"}): what the regular expression
     * {@code (?i)data:[-a-z0-9!#$&^_.+/;=]{0,255};base64,} finds in them.
     */
    static boolean dataUrl(StringBuilder text, int offset, int length) {
        int end = offset + length;
        // Every "data:" ends in a colon: each colon is looked at (the builder's own search), not every char.
        int colon = text.indexOf(":", offset + DATA.length() - 1);
        for (; colon >= 0 && colon + 1 + BASE64.length() <= end; colon = text.indexOf(":", colon + 1)) {
            int i = colon + 1 - DATA.length();
            if (!regionIs(text, i, DATA)) {
                continue;
            }
            // A media type and its parameters: bounded, so a text of many "data:" is still read in linear time.
            for (int j = colon + 1; j < end && j < colon + 1 + 256; j++) {
                char c = text.charAt(j);
                if (c == ';' && j + BASE64.length() <= end && regionIs(text, j, BASE64)) {
                    return true;
                }
                if (!mediaTypeChar(c)) {
                    break;
                }
            }
        }
        return false;
    }

    private static boolean mediaTypeChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-!#$&^_.+/;=".indexOf(c) >= 0;
    }

    private static final String DATA = "data:";
    private static final String BASE64 = ";base64,";

    /** Whether {@code word} (lower case) is at {@code at}, in any ASCII case. */
    private static boolean regionIs(CharSequence chars, int at, String word) {
        for (int k = 0; k < word.length(); k++) {
            char c = chars.charAt(at + k);
            if ((c >= 'A' && c <= 'Z' ? (char) (c | 0x20) : c) != word.charAt(k)) {
                return false;
            }
        }
        return true;
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
            labelSegments.add(new Segment(labels.length(), text.length(), place, false));
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
            joined = prose.length() == 0 && labels.length() == 0 && seams.length() == 0 ? conversation.toString()
                    : new StringBuilder(joinedLength() + 1)
                            .append(conversation).append(prose).append(labels).append(seams)
                            .toString();
        }
        return joined;
    }

    /**
     * What {@link #joined()} holds, written into the scratch buffers' own array ({@link #joinedLength()} chars of
     * it): no string made. Only for a scratch reading; the array is the reading's until it is closed.
     */
    char[] joinedChars() {
        int n = joinedLength();
        char[] out = scratch.joined;
        if (out.length < n) {
            out = new char[Math.max(n, out.length * 2)];
            scratch.joined = out;
        }
        conversation.getChars(0, conversation.length(), out, 0);
        prose.getChars(0, prose.length(), out, conversation.length());
        labels.getChars(0, labels.length(), out, conversation.length() + prose.length());
        seams.getChars(0, seams.length(), out, conversation.length() + prose.length() + labels.length());
        return out;
    }

    /** Whether this reading writes into a thread's scratch buffers (a streamed one) rather than its own. */
    boolean scratched() {
        return scratch != null;
    }

    int joinedLength() {
        return conversation.length() + prose.length() + labels.length() + seams.length();
    }

    /** Every text with its place and its offsets in {@link #joined()} (only for a tree). */
    List<Segment> segments() {
        List<Segment> out = new ArrayList<>(conversationSegments.size() + proseSegments.size()
                + labelSegments.size());
        out.addAll(conversationSegments);
        int shift = conversation.length();
        for (Segment s : proseSegments) {
            out.add(new Segment(s.start() + shift, s.length(), s.place(), s.arguments()));
        }
        shift += prose.length();
        for (Segment s : labelSegments) {
            out.add(new Segment(s.start() + shift, s.length(), s.place(), s.arguments()));
        }
        return out;
    }
}
