package dev.switchboard.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar switchboard.jar <command>}: the sidecar's command line. */
@Command(name = "switchboard", mixinStandardHelpOptions = true, version = "switchboard 0.1.0",
        description = "A routing gateway for LLM traffic: the OpenAI API in front of your models.",
        subcommands = {ServeCommand.class, DemoCommand.class, ValidateCommand.class, ExplainCommand.class,
                SimulateCommand.class, ReportCommand.class,
                HashKeyCommand.class,
                MockModelCommand.class,
                CommandLine.HelpCommand.class})
public final class SwitchboardCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // The sidecar's own start skips picocli when its command line is plain (ServeCommand.fromPlainArgs says why).
        ServeCommand serve = ServeCommand.fromPlainArgs(args);
        int code = serve != null ? run(serve) : newCommandLine().execute(args);
        if (code != 0) {
            System.exit(code);
        }
        // Long-running commands (serve, demo, mock-model) keep non-daemon threads and return 0 without exiting.
    }

    /** {@code serve} run as picocli runs a command: an exception is printed and exits 1. */
    private static int run(ServeCommand serve) {
        try {
            return serve.call();
        } catch (RuntimeException e) {
            e.printStackTrace();
            return 1;
        }
    }

    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new SwitchboardCli());
        cl.registerConverter(java.time.Duration.class, text -> dev.switchboard.core.config.Durations.parse(text)
                .orElseThrow(() -> new CommandLine.TypeConversionException(
                        "'" + text + "' is not a duration (expected e.g. 200ms, 2s, 1m)")));
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
