package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The view reads a body in one pass — its top level walked, each value read as a tree, the {@code model} value's
 * place in the bytes noted on the way — and that reading is the whole body, exactly: the same tree a plain parse
 * gives, and an upstream body that differs from the client's only in the model.
 */
class RequestViewProperties {
    private static final ObjectMapper PLAIN = RequestView.JSON;

    @Property(tries = 1500)
    void theOnePassReadingIsThePlainParse(@ForAll long seed) throws Exception {
        Random random = new Random(seed);
        ObjectNode body = PLAIN.createObjectNode();
        int modelAt = random.nextInt(4);
        for (int i = 0; i < 4; i++) {
            if (i == modelAt) {
                body.put("model", random.nextBoolean() ? "chat" : "m\u00e9\"\\/\u4e2d" + random.nextInt(9));
            }
            switch (random.nextInt(6)) {
                case 0 -> body.putNull("x" + i);
                case 1 -> body.put("x" + i, new BigDecimal(random.nextInt(100000) + "." + random.nextInt(1000) + "0"));
                case 2 -> body.put("x" + i, random.nextLong());
                case 3 -> body.putArray("x" + i).add(random.nextBoolean()).addNull().addObject().put("k", "v");
                case 4 -> body.putObject("x" + i).put("model", "inner").putObject("deep").put("n", 1e300);
                default -> body.put("x" + i, "text " + random.nextInt());
            }
        }
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "user").put("content", "hello " + random.nextInt());
        String written = random.nextBoolean() ? PLAIN.writeValueAsString(body)
                : PLAIN.writerWithDefaultPrettyPrinter().writeValueAsString(body);
        byte[] bytes = written.getBytes(StandardCharsets.UTF_8);

        RequestView view = RequestView.chat(bytes);
        JsonNode plain = PLAIN.readTree(bytes);
        assertThat(view.tree()).as(written).isEqualTo(plain);
        assertThat(view.model()).isEqualTo(plain.get("model").textValue());

        String upstream = new String(view.upstreamBody("big-model", false), StandardCharsets.UTF_8);
        ObjectNode expected = plain.deepCopy();
        expected.put("model", "big-model");
        assertThat(PLAIN.readTree(upstream)).isEqualTo(expected);
        // Every other byte as the client sent it: only the model's value was spliced.
        String quotedModel = PLAIN.writeValueAsString(plain.get("model").textValue());
        assertThat(upstream.replace("\"big-model\"", quotedModel)).isEqualTo(written);
    }
}
