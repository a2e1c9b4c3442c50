package dev.switchboard.core.internal.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.config.ComplianceSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The streamed reading of a body — the early scan and the egress guard, which read the parser's chars in place and
 * write into buffers their thread reuses — decides exactly as the reading of the parsed tree, whose texts are plain
 * strings; and no reading carries anything into the next one on the same thread.
 */
class BodyReadingProperties {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SensitiveDataScanner DETECTORS = SensitiveDataScanner.builtIn();
    private static final List<RequestScanner> SCANNERS = List.of(
            new RequestScanner(DETECTORS, ComplianceSpec.Media.ALLOW),
            new RequestScanner(DETECTORS, ComplianceSpec.Media.INTERNAL));

    /** Pieces of text a body is made of: customer data in any rendering, separators, marks, media, escapes. */
    private static final List<String> PIECES = List.of("Please check ", "请核实", " ", "\n", "\u0000", "\t", "\"",
            "\\", "\u2028", "\u00A0", "\u200B", "data:image/png;base64,iVBORw0KGgo=", "DATA:audio/wav;base64,UklG",
            "data:text/plain,no", ";base64,", "Data:", "\uD83D\uDE00", "\uD835\uDFD2\uD835\uDFD3", "\u0130\u212A",
            "account no. ", "账号", "mail me at a.b@example.com ", "@", "客户", "６２２２", "١٢٣", "-", ".",
            "\\n", "\\u0036", "role", "image_url", "type", "x");

    @Provide
    Arbitrary<ObjectNode> bodies() {
        return Arbitraries.longs().map(BodyReadingProperties::body);
    }

    @Property(tries = 1500)
    void theStreamedReadingDecidesAsTheTreeReading(@ForAll("bodies") ObjectNode body) throws Exception {
        byte[] bytes = JSON.writeValueAsBytes(body);
        for (RequestScanner scanner : SCANNERS) {
            Assessment streamed = scanner.assess(bytes);
            assertThat(streamed).as(body.toString()).isEqualTo(scanner.assess(body));
        }
    }

    @Property(tries = 60)
    void noReadingCarriesIntoTheNext(@ForAll("bodies") ObjectNode a, @ForAll("bodies") ObjectNode b,
            @ForAll("bodies") ObjectNode c, @ForAll long seed) throws Exception {
        // A body far over what a thread's buffers keep, and bytes that are no JSON, between ordinary ones.
        StringBuilder huge = new StringBuilder();
        Random random = new Random(seed);
        while (huge.length() < 300_000) {
            huge.append(PIECES.get(random.nextInt(PIECES.size())));
        }
        ObjectNode big = JSON.createObjectNode().put("model", "m");
        big.putArray("messages").addObject().put("role", "user").put("content", huge.toString());
        List<byte[]> bodies = List.of(JSON.writeValueAsBytes(a), JSON.writeValueAsBytes(big),
                "{\"messages\": [6222 0212 3456 7890".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                JSON.writeValueAsBytes(b), JSON.writeValueAsBytes(c));
        RequestScanner scanner = SCANNERS.get(1);
        List<Assessment> alone = new ArrayList<>();
        for (byte[] body : bodies) {
            // Each on a thread of its own: buffers that never held anything else.
            alone.add(CompletableFuture.supplyAsync(() -> scanner.assess(body), r -> new Thread(r).start()).get());
        }
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < bodies.size(); i++) {
                int k = round == 0 ? i : bodies.size() - 1 - i;
                assertThat(scanner.assess(bodies.get(k))).as("body %d, round %d", k, round).isEqualTo(alone.get(k));
            }
        }
    }

    /**
     * The early scan reads the request's tree (the body parsed once), the egress guard the bytes: a body is judged the
     * same either way, numbers in every spelling included — a decimal point, an exponent, a sign, trailing zeros.
     */
    @Property(tries = 1500)
    void theRequestsTreeIsJudgedAsItsBytes(@ForAll("bodies") ObjectNode body, @ForAll long seed) throws Exception {
        Random random = new Random(seed);
        body.put("model", "m"); // a body the view takes: a model, and roles it knows
        body.get("messages").forEach(m -> ((ObjectNode) m).put("role", "user"));
        String json = JSON.writeValueAsString(body);
        StringBuilder text = new StringBuilder(json.substring(0, json.length() - 1));
        for (int k = 0, n = 1 + random.nextInt(4); k < n; k++) {
            text.append(",\"n_").append(k).append("\":");
            if (random.nextBoolean()) {
                text.append(spelled(random));
            } else {
                text.append('[').append(spelled(random)).append(',').append(spelled(random)).append(']');
            }
        }
        byte[] bytes = text.append('}').toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        dev.switchboard.core.RequestView view = dev.switchboard.core.RequestView.chat(bytes);
        for (RequestScanner scanner : SCANNERS) {
            assertThat(scanner.assess(view.tree())).as(text.toString()).isEqualTo(scanner.assess(bytes));
        }
    }

    /** A number as a client may write it: an identifier's digits, or a small value, in one of JSON's spellings. */
    private static String spelled(Random random) {
        String d = random.nextInt(4) == 0 ? Integer.toString(random.nextInt(1000))
                : VALUES.get(random.nextInt(VALUES.size())).digits().replace("X", "");
        String sign = random.nextInt(4) == 0 ? "-" : "";
        String e = random.nextBoolean() ? "e" : "E";
        return sign + switch (random.nextInt(8)) {
            case 0 -> d;
            case 1 -> d.charAt(0) + "." + (d.length() > 1 ? d.substring(1) : "0") + e + (d.length() - 1);
            case 2 -> d + e + random.nextInt(5);
            case 3 -> d + ".0" + "0".repeat(random.nextInt(3));
            case 4 -> d.length() > 4 ? d.substring(0, 4) + "." + d.substring(4) : d + ".5";
            case 5 -> "0." + d;
            case 6 -> d + e + "-" + (1 + random.nextInt(20));
            default -> d.charAt(0) + "." + (d.length() > 1 ? d.substring(1) : "0") + e + "+" + (d.length() - 1);
        };
    }

    @Property(tries = 3000)
    void aDataUrlIsReadFromABuilderAsFromAString(@ForAll("urls") String text) {
        StringBuilder padded = new StringBuilder("##" + text + "##");
        boolean asString = DATA_URL.matcher(text).find();
        assertThat(BodyTexts.dataUrl(padded, 2, text.length())).as(text).isEqualTo(asString);
    }

    /** ASCII case only: a Turkish dotless i or a Kelvin sign makes no data URL a vendor would decode. */
    private static final java.util.regex.Pattern DATA_URL =
            java.util.regex.Pattern.compile("(?i)data:[-a-z0-9!#$&^_.+/;=]{0,255};base64,");

    @Provide
    Arbitrary<String> urls() {
        return Arbitraries.of("d", "D", "a", "A", "t", "T", ":", ";", "base64", "BASE64", "BaSe64", ",", "data:",
                "DATA:", "\u0130", "\u0131", "\u212A", "\u017F", "x", ";base64,", "image/png", " ", "see ![id](",
                "=", "charset=utf-8", "(", "\u00e9").list().ofMaxSize(10).map(parts -> String.join("", parts));
    }

    /** A chat body of random messages, parts, extra fields, keys and numbers, made from {@code seed}. */
    static ObjectNode body(long seed) {
        Random random = new Random(seed);
        ObjectNode body = JSON.createObjectNode().put("model", text(random, 2));
        ArrayNode messages = body.putArray("messages");
        for (int m = 0, n = 1 + random.nextInt(4); m < n; m++) {
            ObjectNode message = messages.addObject().put("role", random.nextBoolean() ? "user" : text(random, 1));
            if (random.nextInt(3) == 0) {
                ArrayNode parts = message.putArray("content");
                for (int p = 0, q = 1 + random.nextInt(3); p < q; p++) {
                    if (random.nextInt(4) == 0) {
                        parts.addObject().put("type", "image_url").putObject("image_url").put("url", text(random, 2));
                    } else {
                        parts.addObject().put("type", "text").put("text", text(random, 6));
                    }
                }
            } else {
                message.put("content", text(random, 8));
            }
            if (random.nextInt(4) == 0) {
                message.putArray("tool_calls").addObject().put("id", text(random, 1)).putObject("function")
                        .put("name", text(random, 1)).put("arguments", "{\"n\": \"" + text(random, 3) + "\"}");
            }
        }
        for (int f = 0, n = random.nextInt(4); f < n; f++) {
            // Some keys name what their value is, so the value is read after its key on both readings.
            String key = switch (random.nextInt(4)) {
                case 0 -> "x_" + f;
                case 1 -> List.of("account_number", "账号", "accountNo", "passport_no", "x_acct").get(random.nextInt(5));
                default -> text(random, 2);
            };
            switch (random.nextInt(4)) {
                case 0 -> body.put(key, text(random, 4));
                case 1 -> body.put(key, random.nextBoolean() ? random.nextLong() : random.nextInt(1000));
                case 2 -> body.putArray(key).add(text(random, 2)).add(random.nextLong());
                default -> body.putObject(key).put(text(random, 2), text(random, 3));
            }
        }
        return body;
    }

    private static String text(Random random, int pieces) {
        StringBuilder out = new StringBuilder();
        for (int i = 0, n = random.nextInt(pieces + 1); i < n; i++) {
            if (random.nextInt(4) == 0) {
                ScannerProperties.Value value = VALUES.get(random.nextInt(VALUES.size()));
                out.append(ScannerProperties.render(value.digits(), random));
            } else {
                out.append(PIECES.get(random.nextInt(PIECES.size())));
            }
        }
        return out.toString();
    }

    private static final List<ScannerProperties.Value> VALUES = List.of(
            new ScannerProperties.Value("bank-card", "6222021234567894"),
            new ScannerProperties.Value("cn-resident-id", "11010519491231002X"),
            new ScannerProperties.Value("cn-mobile", "13812345678"),
            new ScannerProperties.Value("bank-card", "4111111111111111"));
}
