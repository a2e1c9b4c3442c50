package dev.switchboard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SpringAiExampleTest {
    @Test
    void runsAsDocumented() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertThat(SpringAiExample.run(Path.of("configs/demo.yaml"),
                new PrintStream(bytes, true, StandardCharsets.UTF_8))).containsExactly("accountBalance(42)");
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).containsPattern("plain answer      -> inhouse-10b, \\d+ tokens: The account shows")
                .contains("tool called       -> accountBalance(42)")
                .contains("assistant answer  -> The account shows a steady balance")
                .contains("streamed          -> 16 pieces: The account shows");
    }
}
