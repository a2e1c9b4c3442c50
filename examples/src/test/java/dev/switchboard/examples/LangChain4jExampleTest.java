package dev.switchboard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LangChain4jExampleTest {
    @Test
    void runsAsDocumented() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertThat(LangChain4jExample.run(Path.of("configs/demo.yaml"),
                new PrintStream(bytes, true, StandardCharsets.UTF_8))).containsExactly("accountBalance(42)");
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("plain answer      -> The account shows a steady balance")
                .contains("tool called       -> accountBalance(42)")
                .contains("assistant answer  -> The account shows a steady balance")
                .contains("streamed          -> 16 pieces, STOP, 16 tokens: The account shows");
    }
}
