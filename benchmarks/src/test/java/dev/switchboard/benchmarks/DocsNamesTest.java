package dev.switchboard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.cli.SwitchboardCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Docs that cannot drift, for names: every command line the docs show ({@code switchboard.jar CMD --flag},
 * {@code benchmarks.jar CMD --flag}) names a command and flags that exist, and every admin path and
 * {@code x-switchboard-*} header the docs name is one the code serves or sends (its literal is in the source).
 */
class DocsNamesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern COMMAND = Pattern.compile("(switchboard|benchmarks)\\.jar ([a-z][a-z0-9-]*)((?:[^`\\n]|\\\\\\n)*)");
    private static final Pattern FLAG = Pattern.compile("(?<![\\w-])(--[a-z][a-z0-9-]*)");

    private static String docs() throws IOException {
        List<Path> files = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("examples/README.md"),
                ROOT.resolve("deploy/README.md")));
        try (Stream<Path> list = Files.list(ROOT.resolve("docs"))) {
            list.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        StringBuilder all = new StringBuilder();
        for (Path f : files) {
            all.append(Files.readString(f)).append('\n');
        }
        return all.toString();
    }

    private static String sources() throws IOException {
        StringBuilder all = new StringBuilder();
        for (String module : List.of("gateway-core", "gateway-server")) {
            try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java") || p.toString().endsWith(".js"))
                        .toList()) {
                    all.append(Files.readString(f)).append('\n');
                }
            }
        }
        return all.toString();
    }

    @Test
    void everyCommandAndFlagTheDocsShowExists() throws Exception {
        CommandLine switchboard = SwitchboardCli.newCommandLine();
        CommandLine benchmarks = new CommandLine(new BenchmarkCli());
        List<String> missing = new ArrayList<>();
        int checked = 0;
        Matcher m = COMMAND.matcher(docs());
        while (m.find()) {
            CommandLine cli = m.group(1).equals("switchboard") ? switchboard : benchmarks;
            String command = m.group(2);
            CommandLine sub = cli.getSubcommands().get(command);
            if (sub == null) {
                missing.add(m.group(1) + ".jar " + command + ": no such command");
                continue;
            }
            Matcher f = FLAG.matcher(m.group(3).split("\\|\\||&&|;|\\s&\\s", 2)[0]); // this command's own flags
            while (f.find()) {
                checked++;
                if (sub.getCommandSpec().findOption(f.group(1)) == null) {
                    missing.add(m.group(1) + ".jar " + command + " " + f.group(1));
                }
            }
        }
        assertThat(missing).as("commands and flags the docs show that do not exist").isEmpty();
        assertThat(checked).isGreaterThan(30);
    }

    @Test
    void everyAdminPathAndHeaderTheDocsNameIsInTheCode() throws Exception {
        String docs = docs();
        String code = sources();
        TreeSet<String> missing = new TreeSet<>();
        Matcher paths = Pattern.compile("/admin/[a-z-]+").matcher(docs);
        while (paths.find()) {
            if (!code.contains("\"" + paths.group())) {
                missing.add(paths.group());
            }
        }
        Matcher headers = Pattern.compile("x-switchboard-[a-z-]+").matcher(docs);
        while (headers.find()) {
            if (!code.contains(headers.group())) {
                missing.add(headers.group());
            }
        }
        assertThat(missing).as("admin paths and headers the docs name that the code does not have").isEmpty();
    }

    @Test
    void everyMetricTheDocsNameIsRegisteredInTheCode() throws Exception {
        // Micrometer names in the source ("switchboard.upstream.cool.downs") as Prometheus writes them, with or
        // without the unit and type suffixes Prometheus adds.
        java.util.Set<String> registered = new java.util.HashSet<>();
        Matcher names = Pattern.compile("\"((?:switchboard|gen_ai)\\.[a-z0-9_.]+)\"").matcher(sources());
        while (names.find()) {
            registered.add(names.group(1).replace('.', '_'));
        }
        TreeSet<String> missing = new TreeSet<>();
        TreeSet<String> named = new TreeSet<>();
        Matcher docs = Pattern.compile("`((?:switchboard|gen_ai)_[a-z0-9_]+)").matcher(docs());
        while (docs.find()) {
            String name = docs.group(1);
            named.add(name);
            String bare = name.replaceAll("_(total|bucket|count|sum|max)$", "")
                    .replaceAll("_(seconds|bytes|tokens)$", "");
            if (!registered.contains(name) && !registered.contains(bare)) {
                missing.add(name);
            }
        }
        assertThat(missing).as("metrics the docs name that the code does not register").isEmpty();
        assertThat(named).hasSizeGreaterThan(25);
        assertThat(registered).doesNotContain("switchboard_no_such_metric");
    }
}
