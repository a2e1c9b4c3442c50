package dev.switchboard.core.internal.compliance;

import static dev.switchboard.core.compliance.Detectors.*;

import dev.switchboard.core.compliance.CustomPattern;
import dev.switchboard.core.compliance.Finding;
import dev.switchboard.core.compliance.KeywordList;
import dev.switchboard.core.config.ComplianceSpec;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * Finds customer data in text: PRC resident ID numbers (check character and a real birth date), bank card numbers
 * (13–19 digits passing Luhn, with a card network's first digit), mainland mobile numbers, e-mail addresses,
 * Chinese passport numbers, unified social credit codes (with their GB 32100 check character), bank account numbers
 * next to a keyword, and custom patterns and keywords.
 *
 * <p>The text is first read as a person reads it ({@link NormalizedText}): digits of any script, full-width forms,
 * invisible characters dropped, digits spelled as English words; what base64 in it decodes to is read as well
 * ({@link EncodedTexts}). Numbers are read as tokens of digit groups joined by any run of separators
 * ({@link NumberTokens}), and every run of whole consecutive groups of 11–19 digits is judged — so
 * {@code 1101 0519 4912 3100 2X} is an ID and {@code 6222.0212.3456.7894} a card, while a valid-looking number
 * <em>inside</em> a longer group of digits is not (the false-positive guard: order and reference numbers). Two
 * numbers with at most a few words between them are judged as one when together they make a resident ID or a card
 * of a real card network passing Luhn ("card starts 62220212, and ends 34567894"); the checks are strong enough
 * that two unrelated numbers seldom pass them.
 *
 * <p>A text may hold several texts joined by line breaks (read as one, as a model reads consecutive messages) and
 * {@link NumberTokens#BOUNDARY} characters, across which nothing is ever joined. Immutable and thread-safe.
 */
public final class SensitiveDataScanner {
    /** The scanner a compliance configuration asks for. */
    public static SensitiveDataScanner of(ComplianceSpec spec) {
        return new SensitiveDataScanner(spec.detectors(), spec.patterns(), spec.keywords());
    }


    private static final int[] ID_WEIGHTS = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    private static final char[] ID_CHECK = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
    private static final String CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static final int[] CREDIT_WEIGHTS = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    /** Words after which a number is a bank account (lower case; matched without regard to case). */
    static final List<String> ACCOUNT_WORDS = List.of("账号", "帐号", "账户", "帐户", "賬號", "賬戶", "帳號", "帳戶", "卡号",
            "卡號", "account no.", "account no", "account number", "account #", "acct no.", "acct no", "acct. no.",
            "acct. no", "acct #", "a/c no.", "a/c no", "iban", "bank account", "account id", "acct number",
            "account num", "acct num");
    static final List<String> PASSPORT_WORDS = List.of("护照", "護照", "passport no.", "passport no", "passport number",
            "passport");
    private static final Words ACCOUNTS = new Words(ACCOUNT_WORDS);
    private static final Words PASSPORTS = new Words(PASSPORT_WORDS);

    /** Keywords as arrays, each with its last char, for a look-back that rejects most positions at one compare. */
    private record Words(char[][] words, char[] last) {
        Words(List<String> list) {
            this(list.stream().map(String::toCharArray).toArray(char[][]::new),
                    list.stream().map(w -> w.charAt(w.length() - 1)).collect(StringBuilder::new,
                            StringBuilder::append, StringBuilder::append).toString().toCharArray());
        }

        /**
         * Whether a keyword ends at {@code end} (exclusive) of {@code text}, Latin letters in either case, a space
         * in it written as a space, an underscore, a hyphen or a dot, or left out where the words are camel-cased:
         * the keys of JSON and code say "account_number", "account-number", "accountNumber", "ACCOUNT_NO".
         */
        boolean endsAt(char[] text, int end) {
            char ch = text[end - 1];
            char lower = ch >= 'A' && ch <= 'Z' ? (char) (ch + ('a' - 'A')) : ch;
            for (int w = 0; w < last.length; w++) {
                if (last[w] == lower && matchesBefore(text, end, words[w])) {
                    return true;
                }
            }
            return false;
        }

        /** Whether {@code word} ends at {@code end}, read backwards (the start is where the word's first char is). */
        private static boolean matchesBefore(char[] text, int end, char[] word) {
            int i = end - 1;
            for (int k = word.length - 1; k >= 0; k--) {
                char w = word[k];
                if (w == ' ') {
                    if (i >= 0 && (text[i] == ' ' || text[i] == '_' || text[i] == '-' || text[i] == '.')) {
                        i--;
                    } else if (!(i >= 0 && i + 1 < text.length && text[i + 1] >= 'A' && text[i + 1] <= 'Z'
                            && (text[i] >= 'a' && text[i] <= 'z' || text[i] >= '0' && text[i] <= '9'))) {
                        return false; // no separator, and no camel-case step ("accountNumber") either
                    }
                    continue;
                }
                if (i < 0) {
                    return false;
                }
                char ch = text[i];
                if (ch != w && !(ch >= 'A' && ch <= 'Z' && ch + ('a' - 'A') == w)) {
                    return false;
                }
                i--;
            }
            return true;
        }
    }
    /**
     * Whether a JSON key ends with an account or passport keyword, as code writes it ("account_number", "accountNo",
     * "账号", "customer_passport_no"): its value is then read after it, as after the words in prose.
     */
    static boolean keywordKey(String key) {
        if (key.isEmpty() || key.indexOf(NumberTokens.BOUNDARY) >= 0) {
            return false;
        }
        char[] k = key.toCharArray();
        return ACCOUNTS.endsAt(k, k.length) || PASSPORTS.endsAt(k, k.length);
    }

    /** How far after a keyword its number may start (characters): "账户号码：", "account number is: ". */
    private static final int KEYWORD_REACH = 8;
    /** A number up to this long is masked whole when a value is found in it. */
    private static final int WIDEN_DIGITS = 48;
    /** How many characters two parts of one number may have between them (words: "and it ends with"). */
    private static final int SPLIT_REACH = 24;

    private final boolean numbers;
    /** Each detector's switch, read once: the scan asks for them per token, and a set lookup hashes the name. */
    private final boolean residentIds;
    private final boolean bankCards;
    private final boolean mobiles;
    private final boolean bankAccounts;
    private final boolean passports;
    private final boolean emails;
    private final boolean creditCodes;
    private final List<CustomPattern> patterns;
    private final List<KeywordList> keywords;

    public SensitiveDataScanner(Set<String> enabled, List<CustomPattern> patterns, List<KeywordList> keywords) {
        this.residentIds = enabled.contains(RESIDENT_ID);
        this.bankCards = enabled.contains(BANK_CARD);
        this.mobiles = enabled.contains(MOBILE);
        this.bankAccounts = enabled.contains(BANK_ACCOUNT);
        this.passports = enabled.contains(PASSPORT);
        this.emails = enabled.contains(EMAIL);
        this.creditCodes = enabled.contains(CREDIT_CODE);
        this.numbers = residentIds || bankCards || mobiles || bankAccounts || passports;
        this.patterns = List.copyOf(patterns);
        // A configured word is read as the text is (an en dash as a dash, full-width letters as ASCII), or a word
        // with such a char would never match the text it is compared with.
        this.keywords = keywords.stream().map(k -> new KeywordList(k.kind(), k.words().stream()
                .map(w -> NormalizedText.of(w).chars().toLowerCase(java.util.Locale.ROOT))
                .filter(w -> !w.isBlank()).toList())).toList();
    }

    /** Every built-in detector, nothing custom. */
    public static SensitiveDataScanner builtIn() {
        return new SensitiveDataScanner(BUILT_IN, List.of(), List.of());
    }

    /** Whether the config adds patterns or keywords of its own, which may match any text. */
    boolean hasCustom() {
        return !patterns.isEmpty() || !keywords.isEmpty();
    }

    /**
     * Whether anything could be found in {@code text} — false only where no detector in force can find anything
     * however it is read, decided from its chars without a scan: a client's model name, tenant or request id, on every
     * request's records ({@code CompliancePolicy.recordable}). Custom patterns and keywords are not second-guessed.
     */
    boolean mayFind(String text) {
        if (isEmpty()) {
            return false;
        }
        return hasCustom() || !tooPlainForAValue(text);
    }

    /**
     * Whether no built-in detector can find anything in {@code text} however it is read: plain ASCII without an
     * {@code @} or an escape's first char, and fewer than six digits (the letters drawn like digits counted too) —
     * every built-in value has more — and shorter than the shortest value spelled in English digit words
     * ("onesixohohohohohohohohoh", 24 letters). Most model names and tenants ("chat", "retail-app"), on every
     * request's records, are decided without the scanner.
     */
    private static boolean tooPlainForAValue(String text) {
        if (text.length() >= 22) {
            return generatedId(text);
        }
        int digits = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80 || c == '@' || c == '%' || c == '&' || c == '\\') {
                return false;
            }
            if (c >= '0' && c <= '9' || c == 'O' || c == 'o' || c == 'I') {
                digits++;
            }
        }
        return digits < 6;
    }

    /**
     * Whether {@code text} has the shape of the ids the gateway makes ({@code RandomIds}): {@code req_} and lower-case
     * hex digits with no more than five decimal digits in a row. No built-in detector finds anything in such a text
     * — no run of digits long enough for a value or a passport's or credit code's six, no separator to join runs,
     * no letter that is a lookalike digit or spells one, one case only (no base64), no {@code @} — whoever sent it.
     */
    private static boolean generatedId(String text) {
        if (!text.startsWith("req_") || text.length() > 64) {
            return false;
        }
        int run = 0;
        for (int i = 4; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                if (++run > dev.switchboard.core.internal.RandomIds.DIGIT_RUN) {
                    return false;
                }
            } else if (c >= 'a' && c <= 'f') {
                run = 0;
            } else {
                return false;
            }
        }
        return true;
    }

    public boolean isEmpty() {
        return !numbers && !emails && !creditCodes && patterns.isEmpty() && keywords.isEmpty();
    }

    /** Every finding in {@code text}, in order of position, overlapping ones removed. Offsets are {@code text}'s. */
    public List<Finding> scan(CharSequence text) {
        return scan(text, false);
    }

    /**
     * Every finding, overlapping ones too, in order of position: for masking, which must cover every character any
     * detector found (a custom pattern over half of a card in two parts must not leave the other half in clear).
     */
    List<Finding> scanAll(CharSequence text) {
        return scan(text, true);
    }

    private List<Finding> scan(CharSequence text, boolean overlapping) {
        if (text == null || text.length() == 0) {
            return new ArrayList<>();
        }
        return scan(NormalizedText.of(text), overlapping);
    }

    /**
     * Every finding in the first {@code length} chars of {@code chars}, as {@link #scan(CharSequence)}; the chars are
     * normalized in place (the caller's scratch buffer, no copy).
     */
    List<Finding> scan(char[] chars, int length) {
        if (length == 0) {
            return new ArrayList<>();
        }
        return scan(NormalizedText.ofChars(chars, length), false);
    }

    private List<Finding> scan(NormalizedText c, boolean overlapping) {
        List<Finding> out = new ArrayList<>();
        if (numbers) {
            scanNumbers(c, out);
        }
        if (emails) {
            scanEmails(c, out);
        }
        if (creditCodes || passports) {
            scanCodes(c, out);
        }
        if (c.mayHoldBase64()) {
            scanEncoded(c, out);
        }
        for (CustomPattern p : patterns) {
            Matcher m = p.pattern().matcher(c.chars());
            while (m.find()) {
                if (m.end() > m.start()) {
                    out.add(finding(c, p.kind(), m.start(), m.end()));
                }
            }
        }
        for (KeywordList k : keywords) {
            for (String w : k.words()) {
                for (int i = indexOfIgnoreCase(c.chars(), w, 0); i >= 0 && !w.isEmpty();
                        i = indexOfIgnoreCase(c.chars(), w, i + w.length())) {
                    out.add(finding(c, k.kind(), i, i + w.length()));
                }
            }
        }
        if (overlapping) {
            out.sort((a, b) -> Integer.compare(a.start(), b.start()));
            return out;
        }
        return dropOverlaps(out);
    }

    /**
     * Values inside base64 ({@link EncodedTexts}): each kind found in what a run decodes to — read by this same scanner,
     * so an encoding inside an encoding is read too, each shorter by a quarter — is a finding over the whole run, the
     * part a model would decode. The runs' texts are read as one, each after a {@link NumberTokens#BOUNDARY} (so
     * nothing joins across them): a body of many small runs costs one scan, not one each.
     */
    private void scanEncoded(NormalizedText c, List<Finding> out) {
        List<EncodedTexts.Decoded> runs = EncodedTexts.inEscaped(c.written());
        if (runs.isEmpty()) {
            return;
        }
        StringBuilder texts = new StringBuilder();
        int[] starts = new int[runs.size()];
        for (int r = 0; r < runs.size(); r++) {
            if (r > 0) {
                texts.append(NumberTokens.BOUNDARY);
            }
            starts[r] = texts.length();
            texts.append(runs.get(r).text().replace(NumberTokens.BOUNDARY, ' '));
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Finding inside : scan(texts)) {
            int r = java.util.Arrays.binarySearch(starts, inside.start());
            EncodedTexts.Decoded run = runs.get(r >= 0 ? r : -r - 2);
            if (seen.add(inside.kind() + '@' + run.start())) {
                out.add(new Finding(inside.kind(), run.start(), run.end()));
            }
        }
    }

    private static Finding finding(NormalizedText c, String kind, int start, int end) {
        return new Finding(kind, c.origin(start), c.originAfter(end - 1));
    }

    // ---- numbers ----------------------------------------------------------------------------------------------

    /**
     * Numbers, strongest evidence first: two nearby numbers that together make a resident ID, then a network's card,
     * are one value; a number right after an account keyword is an account as a whole (or the ID or card it is);
     * then every other token's runs of groups; last, passport numbers after their keyword.
     */
    private void scanNumbers(NormalizedText c, List<Finding> out) {
        List<NumberTokens.Token> tokens = new ArrayList<>(NumberTokens.of(c, 4));
        if (tokens.isEmpty()) {
            return;
        }
        KeywordEnds keywords = new KeywordEnds(c);
        boolean[] used = new boolean[tokens.size()];
        // A number that is a value on its own is never the part of another: a resident ID never; a network's card
        // never; a mobile number not as the first part of a card (a number after a phone number is everywhere), but
        // as the second it may be (losing the first part would leak it; reading a mobile as a card masks it anyway).
        boolean[] id = new boolean[tokens.size()];
        boolean[] strong = new boolean[tokens.size()];
        boolean[] value = new boolean[tokens.size()];
        for (int t = 0; t < tokens.size(); t++) {
            NumberTokens.Token token = tokens.get(t);
            id[t] = idAlone(token);
            strong[t] = id[t] || cardAlone(token);
            value[t] = strong[t] || (token.digitCount() == 11 || token.digitCount() == 13
                    || token.digitCount() == 15) && isMobile(token.digits());
        }
        if (residentIds) {
            pairs(c, tokens, used, id, id, true, false, out);
        }
        if (bankAccounts) {
            for (int t = 0; t < tokens.size(); t++) {
                NumberTokens.Token token = tokens.get(t);
                if (used[t] || token.digitCount() < 8 || token.isDate() || !keywords.account(token.start())) {
                    continue;
                }
                // "卡号前半段 6212 2616 3975 16；后半段 77 08": the keyword's number may be the first part of a card.
                int took = t + 1 < tokens.size() && !used[t + 1] && !value[t] && !strong[t + 1]
                        && bankCards ? judgeSplit(c, tokens.get(t), tokens.get(t + 1), false, out) : 0;
                if (took > 0) {
                    took(tokens, used, t, took);
                } else {
                    used[t] = judgeAccount(c, tokens.get(t), out);
                }
            }
        }
        if (bankCards) {
            pairs(c, tokens, used, value, strong, false, false, out);
        }
        // Then the parts the other way round, among the numbers no pair in order took: tried first, a pair in
        // reverse would take the first part of a value given in order ("rate 6.8963. Card starts 6205 …").
        if (residentIds) {
            pairs(c, tokens, used, id, id, true, true, out);
        }
        if (bankCards) {
            pairs(c, tokens, used, value, strong, false, true, out);
        }
        for (int t = 0; t < tokens.size(); t++) {
            if (!used[t]) {
                used[t] = judgeWindows(c, tokens.get(t), out);
            }
        }
        if (passports) {
            for (int t = 0; t < tokens.size(); t++) {
                if (!used[t]) {
                    judgePassport(c, tokens.get(t), keywords, out);
                }
            }
        }
    }

    /** An amount: after a thousands comma ("7,956,346.48"), or a few digits with two decimals ("346.48"). */
    private static boolean amount(NormalizedText c, NumberTokens.Token token) {
        int at = token.start();
        if (at >= 2 && c.charAt(at - 1) == ',' && NumberTokens.digit(c.charAt(at - 2))) {
            return true;
        }
        return token.groupCount() == 2 && c.charAt(token.groupEnd(0)) == '.' && token.groupEnd(0) + 1 == token.groupStart(1)
                && token.digitCount(1, 1) == 2 && token.digitCount(0, 0) <= 3;
    }



    /**
     * Judges neighbouring numbers not yet used as one resident ID ({@code ids}) or one network's card. When the
     * second part is followed by more groups ("…ends 08 874 320106 19881126 9105"), those are a number of their own.
     * {@code reversed}: each pair judged the other way round, the second number whole, then the first.
     */
    private void pairs(NormalizedText c, List<NumberTokens.Token> tokens, boolean[] used, boolean[] firstAlone,
            boolean[] secondAlone, boolean ids, boolean reversed, List<Finding> out) {
        for (int t = 0; t + 1 < tokens.size(); t++) {
            if (!used[t] && !used[t + 1] && !firstAlone[t] && !secondAlone[t + 1]) {
                NumberTokens.Token a = tokens.get(t);
                NumberTokens.Token b = tokens.get(t + 1);
                took(tokens, used, t, reversed ? reversed(c, a, b, ids, out) : judgeSplit(c, a, b, ids, out));
            }
        }
    }

    /**
     * Whether what stands around and between two numbers keeps them apart, in either order: too far apart, an amount
     * or a date (next to another number, not a value in two parts), another text or a shorter number between them,
     * or the same digits twice — a number said again, as a model copies an order id into a tool call's arguments
     * ("refund order 62003322" / {"order_id":"62003322"}), is no value in two halves.
     */
    private static boolean apart(NormalizedText c, NumberTokens.Token a, NumberTokens.Token b) {
        if (!withinReach(c, a.end(), b.start()) || amount(c, a) || a.isDate() || b.isDate()
                || a.digitCount() == b.digitCount() && a.digits().equals(b.digits()) || underOtherKey(c, b.start())
                || underOtherKey(c, a.start())) {
            return true;
        }
        for (int i = a.end(); i < b.start(); i++) {
            if (c.charAt(i) == NumberTokens.BOUNDARY || NumberTokens.digit(c.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** The words of a JSON key that name another thing than a card or an ID: its value is that thing's, whole. */
    private static final java.util.Set<String> OTHER_KEYS = java.util.Set.of("uuid", "order", "invoice", "ref",
            "reference", "ticket", "transaction", "txn", "trace", "request", "sku", "sequence", "seq", "batch",
            "customer", "user", "member", "client", "session", "device", "merchant", "employee", "product", "account",
            "page", "item");
    /** The words of a key that name a card or an ID: such a key is never another thing's. */
    private static final java.util.Set<String> VALUE_KEYS = java.util.Set.of("card", "cards", "idcard", "resident",
            "national", "identity", "passport");
    /** The words of a key that name a part or the number of what its other words name ("id_back", "id_number"). */
    private static final java.util.Set<String> PART_KEYS = java.util.Set.of("number", "num", "no", "front", "back",
            "rest", "part", "first", "last", "tail", "head", "start", "end", "prefix", "suffix", "remaining", "digits");

    /**
     * Whether the number at {@code at} is the value of a JSON key (as a tool call's arguments write it:
     * {@code "order_id": "27887092"}, {@code "ref": "INV-24304617"}) that names another thing — one of its words is an
     * order, an invoice, a customer… ({@link #OTHER_KEYS}: {@code order_no}, {@code invoice_number}), or it is an id
     * of something ({@code device_id}) — and none names a card or an ID ({@link #VALUE_KEYS}: {@code card_id},
     * {@code card_rest}), nor is it an ID's part or number ({@link #PART_KEYS}: {@code id_number}, {@code id_back}):
     * its own value, not a part of a card or an ID beside it.
     */
    private static boolean underOtherKey(NormalizedText c, int at) {
        int k = at - 1;
        if (k >= 0 && (c.charAt(k) == '-' || c.charAt(k) == '_')) {
            k--; // a short prefix before the number: "INV-24304617", "ORD_24304617"
            int letters = 0;
            while (k >= 0 && letters < 6 && asciiLetter(c.charAt(k))) {
                k--;
                letters++;
            }
            if (letters == 0) {
                return false;
            }
        }
        while (k >= 0 && (c.charAt(k) == ' ' || c.charAt(k) == '"')) {
            k--;
        }
        if (k < 0 || c.charAt(k) != ':') {
            return false;
        }
        k--;
        while (k >= 0 && c.charAt(k) == ' ') {
            k--;
        }
        if (k < 0 || c.charAt(k) != '"') {
            return false;
        }
        int end = k;
        int start = end;
        while (start > 0 && end - start < 40 && (asciiAlnum(c.charAt(start - 1)) || c.charAt(start - 1) == '_'
                || c.charAt(start - 1) == '-')) {
            start--;
        }
        // The key's words: split at _ and -, and where a small letter meets a capital ("orderId").
        boolean other = false;
        boolean id = false;
        boolean part = false;
        int words = 0;
        int word = start;
        for (int i = start; i <= end; i++) {
            boolean cut = i == end || c.charAt(i) == '_' || c.charAt(i) == '-'
                    || i > start && Character.isUpperCase(c.charAt(i)) && Character.isLowerCase(c.charAt(i - 1));
            if (cut) {
                if (i > word) {
                    String w = new String(c.array(), word, i - word).toLowerCase(java.util.Locale.ROOT);
                    if (VALUE_KEYS.contains(w)) {
                        return false;
                    }
                    other |= OTHER_KEYS.contains(w);
                    id |= w.equals("id");
                    part |= PART_KEYS.contains(w);
                    words++;
                }
                word = c.charAt(i) == '_' || c.charAt(i) == '-' ? i + 1 : i;
            }
        }
        // "order_no", "invoice_number", "last_order_id": another thing's; "id_number", "id_back": an ID's own.
        return other || id && words > 1 && !part;
    }

    /**
     * Whether two parts of a value are close enough to be judged as one: at most {@link #SPLIT_REACH} chars apart,
     * or with whole lines between them — a turn of the conversation asking for the rest ("My card starts 62220212" /
     * "Thanks. Please send the remaining eight digits." / "34567894") — as long as each part is at most that far
     * from the line break beside it and at most two lines of at most 200 chars stand between.
     */
    private static boolean withinReach(NormalizedText c, int from, int to) {
        if (to - from <= SPLIT_REACH) {
            return true;
        }
        // Bounded reads, not the whole gap: two numbers far apart in a long text are judged for every pass.
        int first = -1;
        for (int i = from; i < to && i - from <= SPLIT_REACH; i++) {
            if (c.charAt(i) == '\n') {
                first = i;
                break;
            }
        }
        int last = -1;
        for (int i = to - 1; i >= from && to - 1 - i <= SPLIT_REACH; i--) {
            if (c.charAt(i) == '\n') {
                last = i;
                break;
            }
        }
        if (first < 0 || last < 0 || last - first > 2 * 201) {
            return false;
        }
        int breaks = 0;
        int lineStart = first;
        for (int i = first + 1; i <= last; i++) {
            if (c.charAt(i) == '\n') {
                if (i - lineStart > 201) {
                    return false;
                }
                lineStart = i;
                breaks++;
            }
        }
        return breaks <= 2;
    }

    /** Marks a pair used, leaving the rest of the second number, if any, to be judged. */
    private static void took(List<NumberTokens.Token> tokens, boolean[] used, int t, int groupsOfSecond) {
        if (groupsOfSecond == 0) {
            return;
        }
        used[t] = true;
        NumberTokens.Token second = tokens.get(t + 1);
        if (groupsOfSecond < second.groupCount()) {
            tokens.set(t + 1, second.tail(groupsOfSecond));
        } else {
            used[t + 1] = true;
        }
    }

    /** Whether a token as a whole is a resident ID. */
    private static boolean idAlone(NumberTokens.Token token) {
        int len = token.digitCount();
        return token.endsWithX() ? len == 17 && isResidentId(token.digits(), true)
                : len == 18 && isResidentId(token.digits(), false);
    }

    /** Whether a token as a whole is a card of a real network. */
    private static boolean cardAlone(NumberTokens.Token token) {
        int len = token.digitCount();
        return len >= 13 && len <= 19 && isNetworkCard(token.digits());
    }

    /**
     * Judges every run of whole consecutive groups of a token, longest first from each group; returns whether
     * anything was found.
     */
    private boolean judgeWindows(NormalizedText c, NumberTokens.Token token, List<Finding> out) {
        if (token.digitCount() < 11) {
            return false;
        }
        List<int[]> hits = new ArrayList<>(); // first group, last group
        List<String> kinds = new ArrayList<>();
        int g = 0;
        int top = 0; // the last group a window from g may reach: windows are at most 19 digits (linear, not quadratic)
        while (g < token.groupCount()) {
            int hit = -1;
            String kind = null;
            top = Math.max(top, g);
            while (top + 1 < token.groupCount() && token.digitCount(g, top + 1) <= 19) {
                top++;
            }
            for (int h = top; h >= g && kind == null; h--) {
                int len = token.digitCount(g, h);
                // The check letter belongs to 17 digits; after any other count it is a letter glued to a number.
                boolean x = token.endsWithX() && h == token.groupCount() - 1 && len == 17;
                if (len >= 11 && len <= 19) {
                    String digits = token.digits(g, h);
                    kind = judge(digits, x);
                    if (kind == null && x) {
                        kind = judge(digits, false);
                    }
                    hit = h;
                }
            }
            if (kind != null) {
                hits.add(new int[] {g, hit});
                kinds.add(kind);
                g = hit + 1;
            } else {
                g++;
            }
        }
        // Which groups belong to a value is a guess; no digit of a short number is left beside the value found in
        // it ("2025-11-24 4630/4370/0406/2430": the date goes with the card rather than half the card with nothing).
        boolean widen = token.digitCount() <= WIDEN_DIGITS;
        for (int i = 0; i < hits.size(); i++) {
            int from = widen && i == 0 ? 0 : hits.get(i)[0];
            int to = widen ? (i + 1 < hits.size() ? hits.get(i + 1)[0] - 1 : token.groupCount() - 1) : hits.get(i)[1];
            out.add(new Finding(kinds.get(i), c.origin(token.groupStart(from)), c.originAfter(token.groupEnd(to) - 1)));
        }
        return !hits.isEmpty();
    }

    /**
     * Two neighbouring numbers with a few words between them, judged as one: only as a resident ID or a card of a
     * real network, whose checks two unrelated numbers seldom pass: all of the first, and the second's first groups.
     * Returns how many groups of the second it took (0: none).
     */
    private int judgeSplit(NormalizedText c, NumberTokens.Token a, NumberTokens.Token b, boolean ids,
            List<Finding> out) {
        if (a.digitCount() + b.digitCount() < 15 || a.digitCount() > 17) {
            return 0; // too short together, or a first part too long, for any value in two parts: decided by counts
        }
        if (a.endsWithX() || apart(c, a, b)) {
            return 0; // an ID's end is a first part the other way round, judged by reversed
        }
        // The first part is the whole of its number (a number starts where its words say so: "card starts 6222…");
        // the second may be followed by more groups.
        int first = a.digitCount();
        if (first < 4) {
            return 0;
        }
        int reach = 0;
        while (reach + 1 < b.groupCount() && b.digitCount(0, reach + 1) <= 19) {
            reach++;
        }
        for (int gb = reach; gb >= 0; gb--) {
            int second = b.digitCount(0, gb);
            int len = first + second;
            boolean x = b.endsWithX() && gb == b.groupCount() - 1 && len == 17;
            if (second < (x ? 3 : 4) || len < 15 || len > 19) {
                continue; // an ID's last part may be three digits and its X: its last four characters
            }
            String digits = a.digits() + b.digits(0, gb);
            String kind = null;
            if (ids && (x ? len == 17 && isResidentId(digits, true) : len == 18 && isResidentId(digits, false))) {
                kind = RESIDENT_ID;
            } else if (!ids && !x && isNetworkCard(digits)) {
                kind = BANK_CARD;
            }
            if (kind != null) {
                out.add(new Finding(kind, List.of(
                        new Finding.Span(c.origin(a.start()), c.originAfter(a.end() - 1)),
                        new Finding.Span(c.origin(b.start()), c.originAfter(b.groupEnd(gb) - 1)))));
                return gb + 1;
            }
        }
        return 0;
    }

    /**
     * The two parts the other way round — "the card ends 7894; the rest is 6222 0212 3456" — judged whole, the
     * second then the first, by the same checks. Returns the second's group count when they make one value, else 0.
     */
    private int reversed(NormalizedText c, NumberTokens.Token a, NumberTokens.Token b, boolean ids,
            List<Finding> out) {
        int len = a.digitCount() + b.digitCount();
        // The counts first: most neighbouring numbers are decided without reading the text.
        if (len < 15 || len > 19 || a.digitCount() < (a.endsWithX() ? 3 : 4) || b.digitCount() < 4 || b.endsWithX()
                || apart(c, a, b)) {
            return 0;
        }
        boolean x = a.endsWithX() && len == 17;
        String digits = b.digits() + a.digits();
        String kind = null;
        if (ids && (x ? isResidentId(digits, true) : len == 18 && isResidentId(digits, false))) {
            kind = RESIDENT_ID;
        } else if (!ids && !a.endsWithX() && isNetworkCard(digits)) {
            kind = BANK_CARD;
        }
        if (kind == null) {
            return 0;
        }
        out.add(new Finding(kind, List.of(new Finding.Span(c.origin(a.start()), c.originAfter(a.end() - 1)),
                new Finding.Span(c.origin(b.start()), c.originAfter(b.end() - 1)))));
        return b.groupCount();
    }

    /**
     * A number right after an account keyword: its groups from the first, up to 30 digits, are an account — or the
     * resident ID or card of a real network they make, whose kind says more.
     */
    private boolean judgeAccount(NormalizedText c, NumberTokens.Token token, List<Finding> out) {
        int last = -1;
        for (int g = 0; g < token.groupCount() && token.digitCount(0, g) <= 30; g++) {
            last = g;
        }
        if (last < 0 || token.digitCount(0, last) < 8 || token.isDate()) {
            return false;
        }
        String digits = token.digits(0, last);
        boolean x = token.endsWithX() && last == token.groupCount() - 1 && digits.length() == 17;
        String kind = residentIds && (x ? isResidentId(digits, true) : isResidentId(digits, false))
                ? RESIDENT_ID : !x && bankCards && digits.length() >= 13 && digits.length() <= 19
                && isNetworkCard(digits) ? BANK_CARD : BANK_ACCOUNT;
        out.add(new Finding(kind, c.origin(token.start()), c.originAfter(token.groupEnd(last) - 1)));
        return true;
    }

    /** A passport number after a passport keyword: old ones are nine digits, newer ones a letter or two first. */
    private void judgePassport(NormalizedText c, NumberTokens.Token token, KeywordEnds keywords, List<Finding> out) {
        int len = token.digitCount();
        if (len < 7 || len > 9 || token.endsWithX()) {
            return;
        }
        int start = token.start();
        int k = start > 0 && c.charAt(start - 1) == ' ' ? start - 1 : start;
        int letters = 0;
        while (k > 0 && letters < 2 && asciiLetter(c.charAt(k - 1))) {
            k--;
            letters++;
        }
        boolean word = k > 0 && asciiLetter(c.charAt(k - 1));
        int from = letters > 0 && !word ? k : start;
        if ((letters > 0 && !word || len == 9) && keywords.passport(from)) {
            out.add(new Finding(PASSPORT, c.origin(from), c.originAfter(token.end() - 1)));
        }
    }

    /**
     * Whether a keyword ends shortly before a number. Only a number that could be an account or a passport asks,
     * so most texts never pay for it; each asks about a few positions, last character first.
     */
    private static final class KeywordEnds {
        private final NormalizedText c;

        KeywordEnds(NormalizedText c) {
            this.c = c;
        }

        boolean account(int at) {
            return before(ACCOUNTS, at);
        }

        boolean passport(int at) {
            return before(PASSPORTS, at);
        }

        /**
         * Whether one of {@code words} ends at most {@link #KEYWORD_REACH} chars before {@code at}, in the same
         * sentence and with no other number between ("account no." ends in a dot that is no sentence's end).
         */
        private boolean before(Words words, int at) {
            char[] t = c.array();
            for (int i = at - 1; i >= 0 && at - (i + 1) <= KEYWORD_REACH; i--) {
                if (words.endsAt(t, i + 1)) {
                    return true;
                }
                char ch = t[i];
                if (NumberTokens.digit(ch) || ch == NumberTokens.BOUNDARY || ch == '。' || ch == '；' || ch == '！'
                        || ch == '？' || ch == ';' || ch == '!' || ch == '?' || ch == '\n'
                        || ch == '.' && i + 1 < at && t[i + 1] == ' ') {
                    return false;
                }
            }
            return false;
        }
    }

    private static boolean asciiLetter(char ch) {
        return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z';
    }

    /** The kind of a whole number (digits only; {@code x}: followed by the check letter X), or null. */
    private String judge(String s, boolean x) {
        int len = s.length();
        if (x) {
            return len == 17 && residentIds && isResidentId(s, true) ? RESIDENT_ID : null;
        }
        if (len == 18 && residentIds && isResidentId(s, false)) {
            return RESIDENT_ID;
        }
        if (mobiles && isMobile(s)) {
            return MOBILE;
        }
        if (len >= 13 && bankCards && s.charAt(0) >= '2' && s.charAt(0) <= '6' && luhn(s)) {
            return BANK_CARD;
        }
        return null;
    }

    private static boolean isMobile(String s) {
        int from = s.length() == 13 && s.startsWith("86") ? 2 : s.length() == 15 && s.startsWith("0086") ? 4 : 0;
        return s.length() - from == 11 && s.charAt(from) == '1' && s.charAt(from + 1) >= '3'
                && s.charAt(from + 1) <= '9';
    }

    /** 18 chars: 17 digits and a check character (ISO 7064 MOD 11-2), with a birth date between 1900 and 2100. */
    static boolean isResidentId(String s) {
        if (s.length() != 18) {
            return false;
        }
        char last = s.charAt(17);
        return last == 'X' || last == 'x' ? isResidentId(s.substring(0, 17), true) : isResidentId(s, false);
    }

    /** {@code digits}: 17 digits and {@code x}, or 18 digits. */
    private static boolean isResidentId(String digits, boolean x) {
        if (digits.length() != (x ? 17 : 18) || digits.charAt(0) < '1' || digits.charAt(0) > '9') {
            return false;
        }
        int sum = 0;
        for (int k = 0; k < 17; k++) {
            sum += (digits.charAt(k) - '0') * ID_WEIGHTS[k];
        }
        if ((x ? 'X' : digits.charAt(17)) != ID_CHECK[sum % 11]) {
            return false;
        }
        int year = Integer.parseInt(digits, 6, 10, 10);
        if (year < 1900 || year > 2100) {
            return false;
        }
        try {
            LocalDate.of(year, Integer.parseInt(digits, 10, 12, 10), Integer.parseInt(digits, 12, 14, 10));
            return true;
        } catch (DateTimeException e) {
            return false;
        }
    }

    static boolean luhn(String s) {
        int sum = 0;
        boolean twice = false;
        for (int k = s.length() - 1; k >= 0; k--) {
            int d = s.charAt(k) - '0';
            if (twice) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            twice = !twice;
        }
        return sum % 10 == 0;
    }

    /**
     * A card of a real network, its length and Luhn: UnionPay (62, 16–19), Visa (4: 13, 16, 19), Mastercard (51–55,
     * 2221–2720: 16), American Express (34, 37: 15), JCB (3528–3589: 16–19), Discover (6011, 65: 16–19).
     */
    static boolean isNetworkCard(String s) {
        int len = s.length();
        int two = (s.charAt(0) - '0') * 10 + s.charAt(1) - '0';
        int four = Integer.parseInt(s, 0, 4, 10);
        boolean network = two == 62 && len >= 16
                || s.charAt(0) == '4' && (len == 13 || len == 16 || len == 19)
                || (two >= 51 && two <= 55 || four >= 2221 && four <= 2720) && len == 16
                || (two == 34 || two == 37) && len == 15
                || four >= 3528 && four <= 3589 && len >= 16
                || (four == 6011 || two == 65) && len >= 16;
        return network && luhn(s);
    }

    // ---- codes with letters: credit codes, passports --------------------------------------------------------

    /**
     * Runs of letters and digits: an 18-char unified social credit code, or E/G and 8 digits (a passport). Both hold
     * six digits or more in a row (a credit code's region, a passport's number), so only the runs around such digits
     * are looked at: prose, which seldom has them, is passed over at the speed of a digit test.
     */
    private void scanCodes(NormalizedText c, List<Finding> out) {
        char[] t = c.array();
        int n = c.length();
        int[] runs = c.digitRuns();
        int done = 0;
        for (int r = 0; r < runs.length; r += 2) {
            int i = runs[r];
            int j = runs[r + 1];
            if (j - i >= 6 && i >= done) {
                // Bounded by anything but a Latin letter or digit: Chinese text runs straight on ("代码9135…Y43的").
                int from = i;
                while (from > 0 && asciiAlnum(t[from - 1])) {
                    from--;
                }
                int to = j;
                while (to < n && asciiAlnum(t[to])) {
                    to++;
                }
                if (to - from == 18 && creditCodes && isCreditCode(c.chars(), from)) {
                    out.add(finding(c, CREDIT_CODE, from, to));
                } else if (to - from == 9 && passports && isPassport(c.chars(), from)) {
                    out.add(finding(c, PASSPORT, from, to));
                }
                done = to;
            }
        }
    }

    private static boolean asciiAlnum(char ch) {
        return NumberTokens.asciiAlnum(ch);
    }

    private static boolean isPassport(CharSequence s, int at) {
        char first = Character.toUpperCase(s.charAt(at));
        if (first != 'E' && first != 'G') {
            return false;
        }
        for (int k = 1; k < 9; k++) {
            if (!NumberTokens.digit(s.charAt(at + k))) {
                return false;
            }
        }
        return true;
    }

    /**
     * GB 32100-2015: registration authority (1, 5, 9, Y) and type, a six-digit region code, nine characters of the
     * organisation code, and a check character over the first 17 in base 31.
     */
    static boolean isCreditCode(CharSequence s, int at) {
        char authority = Character.toUpperCase(s.charAt(at));
        char type = Character.toUpperCase(s.charAt(at + 1));
        boolean kind = switch (authority) {
            case '1', '5' -> type == '1' || type == '2' || type == '3' || type == '9';
            case '9' -> type == '1' || type == '2' || type == '3';
            case 'Y' -> type == '1';
            default -> false;
        };
        if (!kind) {
            return false;
        }
        int sum = 0;
        for (int k = 0; k < 17; k++) {
            char ch = Character.toUpperCase(s.charAt(at + k));
            if (k >= 2 && k < 8 && !NumberTokens.digit(ch)) {
                return false;
            }
            int v = CREDIT_CHARS.indexOf(ch);
            if (v < 0) {
                return false;
            }
            sum += v * CREDIT_WEIGHTS[k];
        }
        return Character.toUpperCase(s.charAt(at + 17)) == CREDIT_CHARS.charAt((31 - sum % 31) % 31);
    }

    // ---- e-mail -------------------------------------------------------------------------------------------------

    /**
     * E-mail addresses, found from each {@code @} outwards rather than by a regular expression tried at every
     * position of the text (which costs the text's length times the local part's). An {@code @} written
     * percent-encoded ({@code zhang.san%40example.com}) or small ({@code ﹫}) is an {@code @} in the text as read
     * ({@link NormalizedText}); the domain's dots may be the ideographic full stop ({@code qq。com}), its labels in
     * any script but Chinese, Japanese and Korean ({@code bücher.de}).
     */
    private static void scanEmails(NormalizedText c, List<Finding> out) {
        if (!c.has('@')) {
            return; // most prompts: no string of the text made for the search below
        }
        String text = c.chars();
        int at = text.indexOf('@');
        int consumed = 0;
        while (at >= 0) {
            int start = at;
            while (start > consumed && at - start < 64 && localChar(text.charAt(start - 1))) {
                start--;
            }
            int from = at + 1;
            int end = from;
            int asciiEnd = -1; // where the domain's first letter of another script stands, if it has one
            while (end < text.length() && end - from < 253 && domainChar(text.charAt(end))) {
                if (asciiEnd < 0 && text.charAt(end) >= 0x80 && !dot(text.charAt(end))) {
                    asciiEnd = end;
                }
                end++;
            }
            if (start < at) {
                // The ASCII domain first: Thai and other scripts without spaces run on from an address
                // ("somchai@gmail.comโทร0812…"); then the domain with its letters of other scripts (IDN).
                int found = asciiEnd > from ? domainEnd(text, from, asciiEnd) : -1;
                if (found < 0) {
                    found = domainEnd(text, from, end);
                }
                if (found > 0) {
                    out.add(finding(c, EMAIL, start, found));
                    consumed = found;
                }
            }
            at = text.indexOf('@', at + 1);
        }
    }

    /**
     * Where a domain read from {@code from} up to {@code end} ends as an address's, or -1: trailing dots end a
     * sentence, and a full stop with more text glued after it ("…@ccb.com。E-mails the…") ends the address, so the
     * domain is cut back at its last dot until it reads as one.
     */
    private static int domainEnd(String text, int from, int end) {
        int lastDot = lastDot(text, from, end);
        while (true) {
            while (end > from && dot(text.charAt(end - 1))) {
                end--;
                lastDot = lastDot(text, from, end);
            }
            if (lastDot > from && end - lastDot - 1 >= 2
                    && isTld(text, lastDot + 1, end, text.charAt(lastDot) == '.') && labels(text, from, end)) {
                return end;
            }
            if (lastDot <= from) {
                return -1;
            }
            end = lastDot;
            lastDot = lastDot(text, from, end);
        }
    }

    /** The last dot in {@code (from, to)}, or -1. */
    private static int lastDot(String text, int from, int to) {
        for (int k = to - 1; k > from; k--) {
            if (dot(text.charAt(k))) {
                return k;
            }
        }
        return -1;
    }

    /** A domain's dot: ASCII, or the ideographic full stop a Chinese keyboard types in its place. */
    private static boolean dot(char c) {
        return c == '.' || c == '\u3002' || c == '\uFF61';
    }

    /** Domain labels of 1–63 chars: no empty label ({@code a..b}, {@code @.b}). */
    private static boolean labels(String text, int from, int to) {
        int label = 0;
        for (int i = from; i < to; i++) {
            if (dot(text.charAt(i))) {
                if (label == 0) {
                    return false;
                }
                label = 0;
            } else if (++label > 63) {
                return false;
            }
        }
        return label > 0;
    }

    private static boolean localChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
                || c == '%' || c == '+' || c == '-';
    }

    /**
     * A char of a domain: ASCII letters, digits, hyphens and dots, and the letters of other scripts (IDN) — but not
     * Chinese, Japanese or Korean, since such prose runs straight on from an address ("zhangsan@qq.com联系我").
     */
    private static boolean domainChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || dot(c)
                || c >= 0x80 && Character.isLetter(c) && !cjk(c);
    }

    private static boolean cjk(char c) {
        Character.UnicodeScript script = Character.UnicodeScript.of(c);
        return script == Character.UnicodeScript.HAN || script == Character.UnicodeScript.HIRAGANA
                || script == Character.UnicodeScript.KATAKANA || script == Character.UnicodeScript.HANGUL;
    }

    /**
     * A top-level domain of at most 24 letters: ASCII after an ideographic full stop ({@code qq。com}), of any
     * script but Chinese, Japanese and Korean after an ASCII dot ({@code пример.рф}).
     */
    private static boolean isTld(CharSequence text, int from, int to, boolean asciiDot) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || asciiDot && c >= 0x80 && Character.isLetter(c))) {
                return false;
            }
        }
        return to - from <= 24;
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** {@code word} is lower case. */
    private static int indexOfIgnoreCase(CharSequence text, String word, int from) {
        if (word.isEmpty()) {
            return -1;
        }
        char first = word.charAt(0);
        char upper = Character.toUpperCase(first);
        for (int i = from; i + word.length() <= text.length(); i++) {
            char ch = text.charAt(i);
            if ((ch == first || ch == upper || Character.toLowerCase(ch) == first)
                    && regionMatchesIgnoreCase(text, i, word)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean regionMatchesIgnoreCase(CharSequence text, int at, String lowerWord) {
        if (at < 0 || at + lowerWord.length() > text.length()) {
            return false;
        }
        for (int k = 0; k < lowerWord.length(); k++) {
            char ch = text.charAt(at + k);
            char w = lowerWord.charAt(k);
            if (ch != w && Character.toLowerCase(ch) != w) {
                return false;
            }
        }
        return true;
    }

    /** The findings in order of position; one that shares characters with an earlier, longer one is dropped. */
    private static List<Finding> dropOverlaps(List<Finding> found) {
        if (found.size() < 2) {
            return found;
        }
        found.sort((a, b) -> a.start() != b.start() ? Integer.compare(a.start(), b.start())
                : Integer.compare(b.end() - b.start(), a.end() - a.start()));
        List<Finding> out = new ArrayList<>();
        List<Finding> open = new ArrayList<>(); // accepted findings that may still overlap later ones
        for (Finding f : found) {
            open.removeIf(g -> g.end() <= f.start());
            boolean clash = false;
            for (Finding g : open) {
                clash |= intersect(f, g);
            }
            if (!clash) {
                out.add(f);
                open.add(f);
            }
        }
        return out;
    }

    /** Whether two findings share a character: a span of one overlaps a span of the other. */
    static boolean intersect(Finding a, Finding b) {
        for (Finding.Span x : a.spans()) {
            for (Finding.Span y : b.spans()) {
                if (x.start() < y.end() && y.start() < x.end()) {
                    return true;
                }
            }
        }
        return false;
    }
}
