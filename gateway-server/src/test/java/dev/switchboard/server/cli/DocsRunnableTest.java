package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Docs that cannot drift, for commands: every shell block the docs mark {@code <!-- runnable against the demo;
 * expects: A | B -->} is run with bash against a running demo (its 8080 and 9090 put on the demo's free ports), must
 * exit 0, and its output must hold each expected piece — the shape of what the docs show beside it, where ids,
 * times and costs vary.
 */
class DocsRunnableTest {
    private static final Pattern RUNNABLE = Pattern.compile(
            "(?ms)^<!-- runnable against the demo; expects: (.*?) -->\\n```bash\\n(.*?)^```");

    record Block(String where, String script, List<String> expects) {
    }

    private static List<Block> blocks() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<Path> docs = new ArrayList<>(List.of(root.resolve("README.md"), root.resolve("examples/README.md")));
        try (Stream<Path> files = Files.list(root.resolve("docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        List<Block> out = new ArrayList<>();
        for (Path doc : docs) {
            String text = Files.readString(doc);
            Matcher m = RUNNABLE.matcher(text);
            while (m.find()) {
                int line = (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1;
                out.add(new Block(root.relativize(doc) + ":" + line, m.group(2),
                        List.of(m.group(1).split(" \\| "))));
            }
        }
        return out;
    }

    @Test
    void everyRunnableBlockRunsAndPrintsWhatTheDocsShow() throws Exception {
        List<Block> blocks = blocks();
        assertThat(blocks).hasSizeGreaterThanOrEqualTo(2);
        try (DemoCommand.Demo demo = DemoCommand.Demo.start("127.0.0.1:0", "127.0.0.1:0")) {
            for (Block b : blocks) {
                String script = b.script().replace("127.0.0.1:8080", "127.0.0.1:" + demo.server.port())
                        .replace("127.0.0.1:9090", "127.0.0.1:" + demo.server.adminPort());
                Process p = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script).redirectErrorStream(true)
                        .start();
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(b.where()).isTrue();
                assertThat(p.exitValue()).as(b.where() + " exits 0; it printed:\n" + output).isZero();
                for (String expected : b.expects()) {
                    assertThat(output).as(b.where() + " prints what the docs show").contains(expected.trim());
                }
            }
        }
    }
}
