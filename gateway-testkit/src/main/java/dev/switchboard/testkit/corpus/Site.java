package dev.switchboard.testkit.corpus;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * The places in a request body where the corpus puts a value. Each is a place a real client has put customer
 * data, or a place a detector that only reads "the prompt" would miss.
 */
public enum Site {
    MESSAGE_CONTENT("message-content", Operation.CHAT),
    TEXT_PART("text-part", Operation.CHAT),
    MESSAGE_NAME("message-name", Operation.CHAT),
    TOOL_CALL_ARGUMENTS("tool-call-arguments", Operation.CHAT),
    TOOL_RESULT("tool-result", Operation.CHAT),
    TOOL_DESCRIPTION("tool-description", Operation.CHAT),
    PARAMETER_DESCRIPTION("parameter-description", Operation.CHAT),
    PARAMETER_ENUM("parameter-enum", Operation.CHAT),
    SCHEMA_DESCRIPTION("schema-description", Operation.CHAT),
    PREDICTION("prediction", Operation.CHAT),
    STOP("stop", Operation.CHAT),
    USER("user", Operation.CHAT, Operation.EMBEDDINGS),
    METADATA("metadata", Operation.CHAT),
    VENDOR_FIELD("vendor-field", Operation.CHAT, Operation.EMBEDDINGS),
    /** A digit-only value written as a JSON number in an unknown top-level field. */
    VENDOR_NUMBER("vendor-number", Operation.CHAT, Operation.EMBEDDINGS),
    /** A mobile number as the {@code seed} integer: the only value that is also a plausible seed. */
    SEED("seed", Operation.CHAT),
    MESSAGE_VENDOR_FIELD("message-vendor-field", Operation.CHAT),
    REFUSAL("refusal", Operation.CHAT),
    IMAGE_URL("image-url", Operation.CHAT),
    EMBEDDINGS_INPUT("embeddings-input", Operation.EMBEDDINGS),
    /** The end of one message's content, then the start of the next message's. */
    SPLIT_MESSAGES("split-messages", Operation.CHAT),
    /** As {@link #SPLIT_MESSAGES} with a few words between the pieces ("starts 6222 0212" / "and ends ..."). */
    SPLIT_MESSAGES_GAP("split-messages-gap", Operation.CHAT),
    /** The end of one text part, then the start of the next part of the same message. */
    SPLIT_PARTS("split-parts", Operation.CHAT),
    SPLIT_PARTS_GAP("split-parts-gap", Operation.CHAT),
    /** The end of one embeddings input, then the start of the next. */
    SPLIT_INPUTS("split-inputs", Operation.EMBEDDINGS),
    SPLIT_INPUTS_GAP("split-inputs-gap", Operation.EMBEDDINGS);

    private final String label;
    private final Set<Operation> ops;

    Site(String label, Operation first, Operation... more) {
        this.label = label;
        this.ops = EnumSet.of(first, more);
    }

    /** The name reports and {@link Planted#site()} use, e.g. {@code tool-call-arguments}. */
    public String label() {
        return label;
    }

    public boolean appliesTo(Operation op) {
        return ops.contains(op);
    }

    /** Whether the value is cut in two here. */
    public boolean split() {
        return label.startsWith("split-");
    }

    /** Whether words stand between the two pieces. */
    public boolean gap() {
        return label.endsWith("-gap");
    }

    /** For a split site, the site without the gap (the two share their adjacent slots); else this site. */
    public Site family() {
        return switch (this) {
            case SPLIT_MESSAGES_GAP -> SPLIT_MESSAGES;
            case SPLIT_PARTS_GAP -> SPLIT_PARTS;
            case SPLIT_INPUTS_GAP -> SPLIT_INPUTS;
            default -> this;
        };
    }

    /** Whether the value is written as a JSON number rather than text. */
    public boolean numeric() {
        return this == VENDOR_NUMBER || this == SEED;
    }

    /** Whether a value of {@code kind} belongs here (before its format is known). */
    public boolean accepts(String kind) {
        boolean digitKind = kind.equals(SensitiveValues.RESIDENT_ID) || kind.equals(SensitiveValues.BANK_CARD)
                || kind.equals(SensitiveValues.MOBILE) || kind.equals(SensitiveValues.BANK_ACCOUNT);
        return switch (this) {
            case SEED -> kind.equals(SensitiveValues.MOBILE);
            // An account needs its keyword in front, which a number or a URL parameter cannot carry.
            case VENDOR_NUMBER -> digitKind && !kind.equals(SensitiveValues.BANK_ACCOUNT);
            case IMAGE_URL -> !kind.equals(SensitiveValues.BANK_ACCOUNT);
            case SPLIT_MESSAGES, SPLIT_PARTS, SPLIT_INPUTS -> digitKind;
            case SPLIT_MESSAGES_GAP, SPLIT_PARTS_GAP, SPLIT_INPUTS_GAP ->
                    kind.equals(SensitiveValues.RESIDENT_ID) || kind.equals(SensitiveValues.BANK_CARD);
            default -> true;
        };
    }

    /** The site with this {@link #label()}. */
    public static Site fromLabel(String label) {
        return Arrays.stream(values()).filter(s -> s.label.equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown site '" + label + "'"));
    }
}
