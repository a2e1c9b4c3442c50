package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testkit.LeakRecordingDetector;
import dev.switchboard.testkit.MockModelServer;
import dev.switchboard.testkit.RecordedRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way customer data used to reach the external model, through the sidecar on real ports: with
 * {@code route-internal} the external model receives nothing and the internal one answers; with {@code mask} the
 * external model receives the request without a digit of the value.
 */
class ResidencySidecarTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CARD = "6222021234567894";
    private static final String ID = "11010519491231002X";
    private final HttpClient http = HttpClient.newHttpClient();
    private MockModelServer hosted;
    private MockModelServer inhouse;
    private TestSidecar sidecar;
    private ResidencyRig rig;

    @AfterEach
    void stop() {
        if (rig != null) {
            rig.close();
        }
    }

    @AfterAll
    static void noLeaks() {
        LeakRecordingDetector.assertNoLeaks();
    }

    private void start(String action) {
        rig = ResidencyRig.start(action);
        hosted = rig.hosted();
        inhouse = rig.inhouse();
        sidecar = rig.sidecar();
    }

    private static String chat(String extraTop, String messages) {
        return "{\"model\":\"chat\"" + extraTop + ",\"messages\":" + messages + "}";
    }

    private static String user(String text) {
        return "[{\"role\":\"user\",\"content\":" + JSON.valueToTree(text) + "}]";
    }

    private static final String ASK = user("Please help with this customer.");

    /** Bodies that reached the external model verbatim before; each holds the card or the ID in some form. */
    static Stream<Arguments> leaks() {
        return Stream.of(
                Arguments.of("tool description", chat(",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":"
                        + "\"lookup\",\"description\":\"Look up card " + CARD + "\",\"parameters\":{\"type\":"
                        + "\"object\",\"properties\":{}}}}]", ASK)),
                Arguments.of("tool schema enum", chat(",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":"
                        + "\"lookup\",\"parameters\":{\"type\":\"object\",\"properties\":{\"card\":{\"type\":"
                        + "\"string\",\"enum\":[\"" + CARD + "\"]}}}}}]", ASK)),
                Arguments.of("tool schema description", chat(",\"tools\":[{\"type\":\"function\",\"function\":{"
                        + "\"name\":\"lookup\",\"parameters\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":"
                        + "\"string\",\"description\":\"e.g. " + ID + "\"}}}}}]", ASK)),
                Arguments.of("response_format schema", chat(",\"response_format\":{\"type\":\"json_schema\","
                        + "\"json_schema\":{\"name\":\"r\",\"schema\":{\"type\":\"object\",\"properties\":{\"c\":{"
                        + "\"type\":\"string\",\"description\":\"card " + CARD + "\"}}}}}", ASK)),
                Arguments.of("prediction", chat(",\"prediction\":{\"type\":\"content\",\"content\":\"card " + CARD
                        + "\"}", ASK)),
                Arguments.of("stop", chat(",\"stop\":[\"" + CARD + "\"]", ASK)),
                Arguments.of("user", chat(",\"user\":\"" + ID + "\"", ASK)),
                Arguments.of("metadata", chat(",\"metadata\":{\"customer\":\"" + ID + "\"}", ASK)),
                Arguments.of("unknown top-level field", chat(",\"x_notes\":\"card " + CARD + "\"", ASK)),
                Arguments.of("unknown field as a number", chat(",\"x_ref\":" + CARD, ASK)),
                Arguments.of("extra field on a message", chat("", "[{\"role\":\"user\",\"content\":\"hi\","
                        + "\"x_card\":\"" + CARD + "\"}]")),
                Arguments.of("assistant refusal", chat("", "[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":"
                        + "\"assistant\",\"content\":null,\"refusal\":\"I cannot use card " + CARD + "\"},{\"role\":"
                        + "\"user\",\"content\":\"why?\"}]")),
                Arguments.of("image url", chat("", "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
                        + "\"see\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://img.example/c.png?card="
                        + CARD + "\"}}]}]")),
                Arguments.of("object key", chat(",\"x_cards\":{\"" + CARD + "\":\"gold\"}", ASK)),
                Arguments.of("ID with dashes", chat("", user("ID 110105-19491231-002X"))),
                Arguments.of("ID with spaces", chat("", user("ID 110105 19491231 002X"))),
                Arguments.of("ID in fours", chat("", user("ID 1101 0519 4912 3100 2X"))),
                Arguments.of("card with dots", chat("", user("card 6222.0212.3456.7894"))),
                Arguments.of("card with double spaces", chat("", user("card 6222  0212  3456  7894"))),
                Arguments.of("card with newlines", chat("", user("card 6222\n0212\n3456\n7894"))),
                Arguments.of("card with no-break spaces", chat("", user("card 6222\u00A00212\u00A03456\u00A07894"))),
                Arguments.of("card with zero-width spaces", chat("", user("card 6222\u200B0212\u200B3456\u200B7894"))),
                Arguments.of("card in Arabic-Indic digits", chat("", user("card ٦٢٢٢٠٢١٢٣٤٥٦٧٨٩٤"))),
                Arguments.of("split over two messages", chat("", "[{\"role\":\"user\",\"content\":\"Card starts "
                        + "62220212\"},{\"role\":\"user\",\"content\":\"and ends 34567894\"}]")),
                Arguments.of("split over two parts", chat("", "[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                        + "\"text\":\"Card starts 62220212\"},{\"type\":\"text\",\"text\":\"and ends 34567894\"}]}]")),
                Arguments.of("split at the boundary", chat("", "[{\"role\":\"user\",\"content\":\"Card 62220212\"},"
                        + "{\"role\":\"user\",\"content\":\"34567894 please\"}]")),
                Arguments.of("streamed", chat(",\"stream\":true,\"x_notes\":\"card " + CARD + "\"", ASK)));
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.server().port() + path))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest(name = "route-internal: {0}")
    @MethodSource("leaks")
    void routeInternalSendsNothingOut(String name, String body) throws Exception {
        start("route-internal");
        HttpResponse<String> r = post("/v1/chat/completions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-switchboard-backend")).contains("inhouse-10b");
        assertThat(hosted.requests()).isEmpty();
        assertThat(inhouse.requests()).hasSize(1);
    }

    @ParameterizedTest(name = "mask: {0}")
    @MethodSource("leaks")
    void maskSendsNoDigitOfTheValueOut(String name, String body) throws Exception {
        start("mask");
        HttpResponse<String> r = post("/v1/chat/completions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        if (dev.switchboard.testkit.corpus.MediaParts.in(body)) {
            // An image cannot be masked: the request stays inside whole.
            assertThat(r.headers().firstValue("x-switchboard-backend")).contains("inhouse-10b");
            assertThat(hosted.requests()).isEmpty();
            return;
        }
        assertThat(r.headers().firstValue("x-switchboard-backend")).contains("hosted-100b");
        assertThat(hosted.requests()).hasSize(1);
        String digits = digitsOf(hosted.requests().get(0));
        for (String piece : new String[] {"62220212", "34567894", "11010519", "1231002"}) {
            assertThat(digits).doesNotContain(piece);
        }
        assertThat(hosted.requests().get(0).body()).contains("[");
    }

    @org.junit.jupiter.api.Test
    void embeddingsInputStaysInside() throws Exception {
        start("route-internal");
        HttpResponse<String> r = post("/v1/embeddings", "{\"model\":\"embed\",\"input\":[\"Card starts 62220212\","
                + "\"and ends 34567894\"]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(hosted.requests()).isEmpty();
    }

    /** The admin port's explain runs the same scan and policy as the call. */
    @org.junit.jupiter.api.Test
    void adminExplainTellsTheTruth() throws Exception {
        start("route-internal");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + sidecar.server().adminPort() + "/admin/explain")).POST(HttpRequest.BodyPublishers.ofString(
                chat(",\"x_ref\":" + CARD, ASK))).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode explain = JSON.readTree(r.body());
        assertThat(explain.path("compliance").path("verdict").asText()).isEqualTo("route-internal");
        assertThat(explain.path("order")).extracting(JsonNode::asText).containsExactly("inhouse-10b");
        assertThat(r.body()).doesNotContain(CARD);
        assertThat(hosted.requests()).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void cleanRequestsStillGoOut() throws Exception {
        start("route-internal");
        HttpResponse<String> r = post("/v1/chat/completions", chat(",\"x_notes\":\"ref 2026-11-30, 1,250.00 CNY\"",
                user("Summarise Q3: NIM 1.87%, 2024-01-15 to 2024-02-15, invoice 20261130.")));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-switchboard-backend")).contains("hosted-100b");
    }

    /** Every digit of every text of a recorded body, read as a person reads it, in order. */
    static String digitsOf(RecordedRequest request) {
        StringBuilder out = new StringBuilder();
        collect(request.json(), out);
        return out.toString();
    }

    private static void collect(JsonNode node, StringBuilder out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                digits(e.getKey(), out);
                collect(e.getValue(), out);
            });
        } else if (node.isArray()) {
            node.forEach(n -> collect(n, out));
        } else if (node.isValueNode()) {
            digits(node.asText(), out);
        }
    }

    private static void digits(String text, StringBuilder out) {
        text.codePoints().forEach(cp -> {
            int d = Character.digit(cp, 10);
            if (d >= 0) {
                out.append((char) ('0' + d));
            }
        });
        out.append(' ');
    }
}
