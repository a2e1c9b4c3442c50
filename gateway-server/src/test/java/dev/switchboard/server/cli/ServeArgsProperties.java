package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import picocli.CommandLine;

/**
 * The sidecar reads a plain {@code serve} command line without picocli (for its start-up time): whatever that
 * reading accepts, picocli accepts and reads the same way; whatever it declines goes to picocli, so errors and help
 * stay picocli's. And every command line of plain options takes that path.
 */
class ServeArgsProperties {
    /** Options, values and mistakes a command line may hold. */
    private static final List<String> WORDS = List.of("--config", "-c", "--listen", "--admin", "--transport",
            "--upstream", "--exit-when-ready", "--config=a.yaml", "--listen=127.0.0.1:9", "--admin=:1", "-c=b.yaml",
            "--exit-when-ready=true", "--help", "-h", "-V", "--version", "--bogus", "-x", "--", "", "a.yaml",
            "127.0.0.1:8080", "epoll", "nio", "okhttp", "netty", "a=b", "-", "--upstream=okhttp", "serve", "-cx.yaml",
            "@args.txt", "@@a.yaml", "--config=@a.yaml");

    @Provide
    Arbitrary<List<String>> anyArgs() {
        return Arbitraries.of(WORDS).list().ofMaxSize(8).map(words -> {
            List<String> args = new ArrayList<>(words);
            args.add(0, "serve");
            return args;
        });
    }

    @Property(tries = 2000)
    void whatTheFastPathReadsPicocliReadsAlike(@ForAll("anyArgs") List<String> args) {
        String[] argv = args.toArray(String[]::new);
        ServeCommand fast = ServeCommand.fromPlainArgs(argv);
        if (fast == null) {
            return; // picocli's to read, errors and help included
        }
        assertThat(read(argv)).as(String.join(" ", args)).usingRecursiveComparison().isEqualTo(fast);
    }

    /** Plain options: each at most once, the config always, in any order and either spelling. */
    @Provide
    Arbitrary<List<String>> plainArgs() {
        return Arbitraries.longs().map(seed -> {
            java.util.Random random = new java.util.Random(seed);
            List<List<String>> options = new ArrayList<>();
            options.add(spelled(random, random.nextBoolean() ? "--config" : "-c", "conf/" + random.nextInt(9) + ".yaml"));
            String[][] more = {{"--listen", "127.0.0.1:" + random.nextInt(65536)}, {"--admin", "0.0.0.0:9090"},
                {"--transport", random.nextBoolean() ? "nio" : "epoll"}, {"--upstream", "okhttp"}};
            for (String[] option : more) {
                if (random.nextBoolean()) {
                    options.add(spelled(random, option[0], option[1]));
                }
            }
            if (random.nextBoolean()) {
                options.add(List.of("--exit-when-ready"));
            }
            Collections.shuffle(options, random);
            List<String> args = new ArrayList<>(List.of("serve"));
            options.forEach(args::addAll);
            return args;
        });
    }

    @Property(tries = 500)
    void aPlainCommandLineTakesTheFastPath(@ForAll("plainArgs") List<String> args) {
        String[] argv = args.toArray(String[]::new);
        ServeCommand fast = ServeCommand.fromPlainArgs(argv);
        assertThat(fast).as(String.join(" ", args)).isNotNull();
        assertThat(read(argv)).usingRecursiveComparison().isEqualTo(fast);
    }

    private static List<String> spelled(java.util.Random random, String name, String value) {
        return name.startsWith("--") && random.nextBoolean() ? List.of(name + "=" + value) : List.of(name, value);
    }

    /** What picocli makes of the command line (it must accept it). */
    private static ServeCommand read(String[] argv) {
        CommandLine.ParseResult parsed = SwitchboardCli.newCommandLine().parseArgs(argv);
        return parsed.subcommand().commandSpec().commandLine().getCommand();
    }
}
