package dev.switchboard.testkit.corpus;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Sketches chat-completions bodies: a conversation of one to six messages (system, user, assistant, tool), with
 * the optional fields real clients send. Every text that could carry a value becomes a {@link Slot}; the site a
 * case needs is always present, the others appear at random, so values meet realistic neighbours.
 */
final class ChatBodies {
    private record Tool(String name, String arg, String description, String argDescription) {
    }

    private static final List<Tool> TOOLS = List.of(
            new Tool("lookup_card", "card_number", "Looks up a card's status and limits.", "The card to look up."),
            new Tool("verify_identity", "id_number", "Checks a resident ID against the national register.",
                    "The customer's resident ID."),
            new Tool("send_sms_notice", "mobile", "Sends an SMS notice to the customer.", "The mobile to notify."),
            new Tool("get_account_balance", "account_no", "Returns the balance of a deposit account.",
                    "The account to query."),
            new Tool("send_statement", "email", "E-mails the monthly statement.", "Where to send the statement."),
            new Tool("check_passport", "passport_no", "Checks a passport for a cross-border remittance.",
                    "The passport to check."),
            new Tool("company_profile", "credit_code", "Fetches a corporate customer's profile.",
                    "The company's unified social credit code."),
            new Tool("search_transactions", "query", "Searches recent transactions.", "Free-text search terms."));
    private static final List<String> NAMES = List.of("ops_desk", "risk_analyst", "branch_teller", "wealth_team",
            "cs_agent", "audit_bot");
    private static final List<String> ARG_DEFAULTS = List.of("on file", "current customer", "see ticket", "primary");
    private static final List<String> CHANNELS = List.of("app", "branch", "phone");
    private static final List<String> STOPS = List.of("###", "END", "</answer>", "Customer:", "客户：");
    private static final List<String> IMAGES = List.of("https://img.example/statement.png",
            "https://img.example/cheque-front.jpg", "https://img.example/receipt.png", "https://img.example/form.jpg");
    private static final List<String> TOOL_RESULTS_EN = List.of("Status: active. Daily limit {amount_int} CNY.",
            "Found {n} matching transactions since {date}.", "Verification passed at {time}.",
            "SMS queued at {time}.", "Balance {amount} CNY as of {date}.", "No open disputes.");
    private static final List<String> TOOL_RESULTS_ZH = List.of("状态：正常，日限额{amount_int}元。",
            "自{date}以来共找到{n}笔交易。", "核验于{time}通过。", "短信已于{time}排队发送。", "截至{date}余额{amount}元。",
            "无未结争议。");
    private static final List<String> REFUSALS_EN = List.of("I'm sorry, I can't move money outside approved channels.",
            "I can't share internal risk scores.");
    private static final List<String> REFUSALS_ZH = List.of("抱歉，我无法提供内部风控评分。", "抱歉，该业务需要到柜台办理。");
    private static final List<String> SCHEMA_DESCRIPTIONS = List.of("A short summary for the branch manager.",
            "The customer's request in one sentence.", "给客户经理的一句话摘要。");

    private final RandomGenerator rng;
    private final Lang lang;
    private final Site required;
    private final BodySketch sketch = new BodySketch();

    private ChatBodies(RandomGenerator rng, Lang lang, Site required) {
        this.rng = rng;
        this.lang = lang;
        this.required = required;
    }

    /** A chat body in which {@code required} has at least one free slot (or adjacent pair, for a split site). */
    static BodySketch sketch(RandomGenerator rng, Lang lang, Site required, boolean stream) {
        return new ChatBodies(rng, lang, required).build(stream);
    }

    private BodySketch build(boolean stream) {
        ObjectNode root = sketch.root;
        root.put("model", "chat");
        ArrayNode messages = root.putArray("messages");
        boolean toolFlow = required == Site.TOOL_CALL_ARGUMENTS || required == Site.TOOL_RESULT
                || (required != Site.REFUSAL && chance(30));
        List<Tool> tools = new ArrayList<>();
        if (toolFlow || required == Site.TOOL_DESCRIPTION || required == Site.PARAMETER_DESCRIPTION
                || required == Site.PARAMETER_ENUM || chance(20)) {
            tools = pickTools();
            tools(root.putArray("tools"), tools);
            if (chance(50)) {
                root.put("tool_choice", "auto");
            }
        }
        messages(messages, toolFlow, tools);
        if (required == Site.SCHEMA_DESCRIPTION || chance(20)) {
            responseFormat(root.putObject("response_format"));
        } else if (chance(10)) {
            root.putObject("response_format").put("type", "json_object");
        }
        if (required == Site.STOP || chance(15)) {
            stop(root);
        }
        if (required == Site.USER || chance(20)) {
            root.putNull("user");
            sketch.add(Slot.text(Site.USER, "user", slotLang(), root, "user", "staff-" + letters(4)));
        }
        if (required == Site.METADATA || chance(15)) {
            ObjectNode metadata = root.putObject("metadata");
            shortField(Site.METADATA, "metadata.channel", metadata, "channel",
                    pick(List.of("mobile-app", "branch", "call-centre")));
            shortField(Site.METADATA, "metadata.ticket", metadata, "ticket", "pending-review");
            shortField(Site.METADATA, "metadata.dept", metadata, "dept", pick(List.of("retail", "corporate", "wealth")));
        }
        if (required == Site.PREDICTION || chance(8)) {
            ObjectNode prediction = root.putObject("prediction");
            prediction.put("type", "content");
            prose(Site.PREDICTION, "prediction.content", prediction, "content", 1, 2);
        }
        if (required == Site.SEED || chance(15)) {
            root.putNull("seed");
            sketch.add(Slot.number(Site.SEED, "seed", root, "seed", 1 + rng.nextInt(9999)));
        }
        if (chance(50)) {
            root.put("temperature", rng.nextInt(11) / 10.0);
        }
        if (chance(40)) {
            root.put("max_tokens", pick(List.of(256, 512, 800, 1024)));
        }
        if (stream) {
            root.put("stream", true);
            if (chance(50)) {
                root.putObject("stream_options").put("include_usage", true);
            }
        } else if (chance(20)) {
            root.put("stream", false);
        }
        if (required == Site.VENDOR_FIELD || chance(12)) {
            String field = pick(List.of("x_notes", "x_trace_note", "vendor_comment"));
            prose(Site.VENDOR_FIELD, field, root, field, 1, 2);
        }
        if (required == Site.VENDOR_NUMBER || chance(8)) {
            root.putNull("x_ref");
            sketch.add(Slot.number(Site.VENDOR_NUMBER, "x_ref", root, "x_ref", 1 + rng.nextInt(999)));
        }
        return sketch;
    }

    /** The roles in order, which message calls tools (-1: none) and how many calls it makes. */
    private record Layout(List<String> roles, int caller, int calls) {
    }

    /**
     * The conversation's roles. With tools: user, an assistant calling one or two tools, their results, perhaps a
     * reply and a follow-up. Without: alternating user and assistant turns. A system message first half the time.
     */
    private Layout layout(boolean toolFlow) {
        List<String> roles = new ArrayList<>();
        if (chance(50)) {
            roles.add("system");
        }
        if (!toolFlow) {
            // A refusal needs an assistant turn, a split across messages needs two messages.
            int min = required == Site.REFUSAL || (required.family() == Site.SPLIT_MESSAGES && roles.isEmpty()) ? 2 : 1;
            int turns = min + rng.nextInt(6 - roles.size() - min + 1);
            for (int i = 0; i < turns; i++) {
                roles.add(i % 2 == 0 ? "user" : "assistant");
            }
            return new Layout(roles, -1, 0);
        }
        roles.add("user");
        int caller = roles.size();
        roles.add("assistant");
        int calls = chance(40) ? 2 : 1;
        for (int k = 0; k < calls; k++) {
            roles.add("tool");
        }
        if (roles.size() <= 4 && chance(50)) {
            roles.add("assistant");
            roles.add("user");
        }
        return new Layout(roles, caller, calls);
    }

    /**
     * The messages. The message the required site needs is chosen first (a user message with parts, two adjacent
     * string contents, a named message...), the rest of each message at random.
     */
    private void messages(ArrayNode messages, boolean toolFlow, List<Tool> tools) {
        Layout layout = layout(toolFlow);
        List<String> roles = layout.roles();
        int callingAssistant = layout.caller();
        int partsAt = required == Site.TEXT_PART || required.family() == Site.SPLIT_PARTS || required == Site.IMAGE_URL
                ? pickIndex(roles, r -> r.equals("user")) : -1;
        int pairAt = required.family() == Site.SPLIT_MESSAGES ? rng.nextInt(roles.size() - 1) : -1;
        int stringAt = required == Site.MESSAGE_CONTENT ? pickIndex(roles, r -> !r.equals("tool"))
                : required == Site.TOOL_RESULT ? pickIndex(roles, r -> r.equals("tool")) : -1;
        int nameAt = required == Site.MESSAGE_NAME ? pickIndex(roles, r -> !r.equals("tool")) : -1;
        int noteAt = required == Site.MESSAGE_VENDOR_FIELD ? rng.nextInt(roles.size()) : -1;
        int refusalAt = required == Site.REFUSAL ? pickIndex(roles, r -> r.equals("assistant")) : -1;

        List<String> callIds = new ArrayList<>();
        List<Slot> stringContents = new ArrayList<>();
        int toolResults = 0;
        for (int i = 0; i < roles.size(); i++) {
            String role = roles.get(i);
            String path = "messages[" + i + "]";
            ObjectNode message = messages.addObject();
            message.put("role", role);
            if (role.equals("tool")) {
                message.put("tool_call_id", callIds.get(toolResults++));
            }
            if (!role.equals("tool") && (i == nameAt || chance(15))) {
                shortField(Site.MESSAGE_NAME, path + ".name", message, "name", pick(NAMES));
            }
            boolean mustBeString = i == stringAt || (pairAt >= 0 && (i == pairAt || i == pairAt + 1));
            Slot content = null;
            if (i == callingAssistant && !mustBeString && chance(50)) {
                message.putNull("content");
            } else if (i == partsAt || (!mustBeString && chance(role.equals("user") ? 30 : 12))) {
                parts(message.putArray("content"), path + ".content", role, i == partsAt);
            } else {
                content = role.equals("tool") ? toolResult(message, path) : prose(Site.MESSAGE_CONTENT,
                        path + ".content", message, "content", 1, 4);
            }
            stringContents.add(content);
            if (i == callingAssistant) {
                toolCalls(message.putArray("tool_calls"), path, tools, layout.calls(), callIds);
            }
            if (role.equals("assistant") && i != callingAssistant && (i == refusalAt || chance(8))) {
                message.putNull("refusal");
                Lang l = slotLang();
                List<String> refusal = List.of(pick(l == Lang.EN ? REFUSALS_EN : REFUSALS_ZH));
                sketch.add(Slot.prose(Site.REFUSAL, path + ".refusal", l, message, "refusal", refusal));
            }
            if (i == noteAt || chance(6)) {
                prose(Site.MESSAGE_VENDOR_FIELD, path + ".x_customer_note", message, "x_customer_note", 1, 1);
            }
        }
        for (int i = 0; i + 1 < stringContents.size(); i++) {
            if (stringContents.get(i) != null && stringContents.get(i + 1) != null) {
                sketch.pair(Site.SPLIT_MESSAGES, stringContents.get(i), stringContents.get(i + 1));
            }
        }
    }

    /**
     * Content as an array of text parts, in user messages sometimes with an image. When a split needs two adjacent
     * text parts, the image goes first or last so it cannot stand between them.
     */
    private void parts(ArrayNode parts, String path, String role, boolean forced) {
        boolean splitHere = forced && required.family() == Site.SPLIT_PARTS;
        int texts = splitHere ? 2 + rng.nextInt(2) : 1 + rng.nextInt(3);
        boolean image = role.equals("user") && ((forced && required == Site.IMAGE_URL) || chance(25));
        int imageAt = !image ? -1 : splitHere ? (chance(50) ? 0 : texts) : rng.nextInt(texts + 1);
        Slot previous = null;
        for (int j = 0; j < texts + (image ? 1 : 0); j++) {
            ObjectNode part = parts.addObject();
            String partPath = path + "[" + j + "]";
            if (j == imageAt) {
                part.put("type", "image_url");
                ObjectNode imageUrl = part.putObject("image_url");
                shortField(Site.IMAGE_URL, partPath + ".image_url.url", imageUrl, "url", pick(IMAGES));
                if (chance(30)) {
                    imageUrl.put("detail", "low");
                }
                previous = null;
            } else {
                part.put("type", "text");
                Slot text = prose(Site.TEXT_PART, partPath + ".text", part, "text", 1, 3);
                if (previous != null) {
                    sketch.pair(Site.SPLIT_PARTS, previous, text);
                }
                previous = text;
            }
        }
    }

    private Slot toolResult(ObjectNode message, String path) {
        Lang l = slotLang();
        List<String> sentences = new ArrayList<>();
        for (int k = 1 + rng.nextInt(2); k > 0; k--) {
            sentences.add(Placeholders.fill(pick(l == Lang.EN ? TOOL_RESULTS_EN : TOOL_RESULTS_ZH), rng));
        }
        message.putNull("content");
        return sketch.add(Slot.prose(Site.TOOL_RESULT, path + ".content", l, message, "content", sentences));
    }

    /** Calls to the defined tools; {@code arguments} stays an object until rendering (see {@link BodySketch}). */
    private void toolCalls(ArrayNode calls, String path, List<Tool> tools, int count, List<String> ids) {
        for (int k = 0; k < count; k++) {
            Tool tool = tools.get(k % tools.size());
            String id = "call_" + letters(12);
            ids.add(id);
            ObjectNode call = calls.addObject();
            call.put("id", id);
            call.put("type", "function");
            ObjectNode function = call.putObject("function");
            function.put("name", tool.name());
            ObjectNode arguments = function.putObject("arguments");
            String argsPath = path + ".tool_calls[" + k + "].function.arguments";
            shortField(Site.TOOL_CALL_ARGUMENTS, argsPath + "." + tool.arg(), arguments, tool.arg(), pick(ARG_DEFAULTS));
            arguments.put("channel", pick(CHANNELS));
            if (chance(50)) {
                prose(Site.TOOL_CALL_ARGUMENTS, argsPath + ".note", arguments, "note", 1, 1);
            }
        }
    }

    private void tools(ArrayNode array, List<Tool> tools) {
        for (int t = 0; t < tools.size(); t++) {
            Tool tool = tools.get(t);
            String path = "tools[" + t + "].function";
            ObjectNode entry = array.addObject();
            entry.put("type", "function");
            ObjectNode function = entry.putObject("function");
            function.put("name", tool.name());
            function.putNull("description");
            sketch.add(Slot.prose(Site.TOOL_DESCRIPTION, path + ".description", slotLang(), function, "description",
                    List.of(tool.description())));
            ObjectNode parameters = function.putObject("parameters");
            parameters.put("type", "object");
            ObjectNode properties = parameters.putObject("properties");
            ObjectNode arg = properties.putObject(tool.arg());
            arg.put("type", "string");
            arg.putNull("description");
            sketch.add(Slot.prose(Site.PARAMETER_DESCRIPTION, path + ".parameters.properties." + tool.arg()
                    + ".description", slotLang(), arg, "description", List.of(tool.argDescription())));
            ObjectNode channel = properties.putObject("channel");
            channel.put("type", "string");
            channel.put("description", "How the request came in.");
            ArrayNode values = channel.putArray("enum");
            for (int e = 0; e < CHANNELS.size(); e++) {
                values.addNull();
                sketch.add(Slot.text(Site.PARAMETER_ENUM, path + ".parameters.properties.channel.enum[" + e + "]",
                        slotLang(), values, e, CHANNELS.get(e)));
            }
            parameters.putArray("required").add(tool.arg());
            parameters.put("additionalProperties", false);
        }
    }

    private void responseFormat(ObjectNode format) {
        format.put("type", "json_schema");
        ObjectNode jsonSchema = format.putObject("json_schema");
        jsonSchema.put("name", "case_summary");
        jsonSchema.put("strict", true);
        ObjectNode schema = jsonSchema.putObject("schema");
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        ObjectNode summary = properties.putObject("summary");
        summary.put("type", "string");
        summary.putNull("description");
        sketch.add(Slot.prose(Site.SCHEMA_DESCRIPTION, "response_format.json_schema.schema.properties.summary"
                + ".description", slotLang(), summary, "description", List.of(pick(SCHEMA_DESCRIPTIONS))));
        ObjectNode risk = properties.putObject("risk_level");
        risk.put("type", "string");
        risk.putArray("enum").add("low").add("medium").add("high");
        schema.putArray("required").add("summary").add("risk_level");
        schema.put("additionalProperties", false);
    }

    /** {@code stop} as one string or an array of up to three. */
    private void stop(ObjectNode root) {
        if (chance(50)) {
            shortField(Site.STOP, "stop", root, "stop", pick(STOPS));
            return;
        }
        ArrayNode stops = root.putArray("stop");
        for (int i = 1 + rng.nextInt(3), k = 0; k < i; k++) {
            stops.addNull();
            sketch.add(Slot.text(Site.STOP, "stop[" + k + "]", slotLang(), stops, k, STOPS.get((k * 2) % STOPS.size())));
        }
    }

    /** One to three different tools, in random order. */
    private List<Tool> pickTools() {
        List<Tool> shuffled = new ArrayList<>(TOOLS);
        for (int i = shuffled.size() - 1; i > 0; i--) {
            Collections.swap(shuffled, i, rng.nextInt(i + 1));
        }
        return List.copyOf(shuffled.subList(0, 1 + rng.nextInt(3)));
    }

    private Slot prose(Site site, String path, ObjectNode object, String field, int min, int max) {
        Lang l = slotLang();
        object.putNull(field);
        return sketch.add(Slot.prose(site, path, l, object, field, Prose.sentences(rng, l, min, max)));
    }

    private void shortField(Site site, String path, ObjectNode object, String field, String text) {
        object.putNull(field);
        sketch.add(Slot.text(site, path, slotLang(), object, field, text));
    }

    /** Most texts are in the case's language; some staff switch. */
    private Lang slotLang() {
        return chance(85) ? lang : lang.other();
    }

    private int pickIndex(List<String> roles, java.util.function.Predicate<String> ok) {
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < roles.size(); i++) {
            if (ok.test(roles.get(i))) {
                candidates.add(i);
            }
        }
        return pick(candidates);
    }

    private boolean chance(int percent) {
        return rng.nextInt(100) < percent;
    }

    private <T> T pick(List<T> list) {
        return SensitiveValues.pick(list, rng);
    }

    private String letters(int count) {
        StringBuilder out = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            out.append((char) ((rng.nextBoolean() ? 'a' : 'A') + rng.nextInt(26)));
        }
        return out.toString();
    }
}
