package dev.switchboard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EmbeddedGatewayExampleTest {
    @Test
    void runsAsDocumented() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        String backends = EmbeddedGatewayExample.run(Path.of("configs/demo.yaml"),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(backends).isEqualTo("inhouse-10b,hosted-100b");
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("everyday question -> inhouse-10b: route chat rule 2")
                .contains("AML report        -> hosted-100b: route chat rule 0 (header x-scenario in [aml-report])")
                .contains("streamed          -> inhouse-10b streams:").contains("tokens, stop)");
    }
}
