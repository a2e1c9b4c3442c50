package dev.switchboard.core.internal.backend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.Usage;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * Usage read from the end of an answer is the usage a reading from its start finds — whatever else holds a
 * {@code usage} key (a choice, a message, a vendor field), whatever text says {@code "usage"}, wherever the
 * answer's own usage is, or when it has none — and an answer of the OpenAI shape is read from its end.
 */
class UsageFromEndProperties {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Property(tries = 3000)
    void theEndAndTheStartAgree(@ForAll long seed) throws Exception {
        Random random = new Random(seed);
        ObjectNode body = JSON.createObjectNode().put("id", "chatcmpl-1").put("object", "chat.completion");
        boolean usageFirst = random.nextInt(4) == 0;
        if (usageFirst) {
            usage(body, random);
        }
        ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant").put("content", content(random));
        if (random.nextInt(4) == 0) {
            message.putObject("usage").put("prompt_tokens", 999).put("completion_tokens", 999); // not the answer's
        }
        choice.put("finish_reason", "stop");
        if (!usageFirst && random.nextInt(6) != 0) {
            usage(body, random);
        }
        switch (random.nextInt(5)) {
            case 0 -> body.put("system_fingerprint", "fp_\"usage\"");
            case 1 -> body.putObject("x_vendor").putObject("usage").put("prompt_tokens", 7);
            case 2 -> body.putNull("usage"); // a later null: the object before it stays the usage
            default -> {
            }
        }
        String written = random.nextBoolean() ? JSON.writeValueAsString(body)
                : JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body);
        byte[] bytes = written.getBytes(StandardCharsets.UTF_8);

        Usage fromStart = UsageReader.read(bytes).usage();
        assertThat(UsageReader.fromBody(bytes)).as(written).isEqualTo(fromStart);
        Usage fromEnd = UsageReader.fromEnd(bytes);
        if (fromEnd != null) {
            assertThat(fromEnd).as(written).isEqualTo(fromStart);
        }
    }

    @Test
    void anAnswerOfTheOpenAiShapeIsReadFromItsEnd() {
        String content = "x".repeat(20_000) + " \\\"usage\\\": {\\\"prompt_tokens\\\": 1}";
        byte[] body = ("{\"id\":\"c\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
                + content + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,"
                + "\"completion_tokens\":34,\"total_tokens\":46},\"system_fingerprint\":\"fp\"}")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(UsageReader.fromEnd(body)).isEqualTo(new Usage(12, 34));
        assertThat(UsageReader.finishReasons(body)).containsExactly("stop");
        // A usage key inside a choice near the end is not the answer's: the start decides (here, none).
        byte[] nested = "{\"choices\":[{\"message\":{\"usage\":{\"prompt_tokens\":5}}}]}".getBytes(StandardCharsets.UTF_8);
        assertThat(UsageReader.fromEnd(nested)).isNull();
        assertThat(UsageReader.fromBody(nested)).isEqualTo(Usage.UNKNOWN);
    }

    private static void usage(ObjectNode body, Random random) {
        body.putObject("usage").put("prompt_tokens", random.nextInt(5000)).put("completion_tokens",
                random.nextInt(5000)).put("total_tokens", 1);
    }

    private static String content(Random random) {
        String[] pieces = {"hello ", "\"usage\": {\"prompt_tokens\": 3}", "}", "]", "{", "\\", "\"", "usage",
                "\u4e2d", "\n"};
        StringBuilder out = new StringBuilder();
        int n = random.nextInt(3) == 0 ? 800 : random.nextInt(12);
        for (int i = 0; i < n; i++) {
            out.append(pieces[random.nextInt(pieces.length)]);
        }
        return out.toString();
    }
}
